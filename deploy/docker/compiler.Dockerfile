# syntax=docker/dockerfile:1
# drivemon compiler: a static binary on distroless, as a non-root user.
# Build from the repository root (the Go workspace):
#   docker build -f deploy/docker/compiler.Dockerfile -t drivemon/compiler .
# Settings come from environment variables (deploy/README.md).

FROM golang:1.26-bookworm AS build
WORKDIR /src
# The whole workspace: go.work names every module, so each must be there.
# compiler.Dockerfile.dockerignore keeps history, binaries and docs out.
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/compiler ./services/compiler/cmd/compiler

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/compiler /compiler
USER nonroot:nonroot
ENV DRIVEMON_HTTP_ADDR=:8082
EXPOSE 8082
# No curl in distroless: the binary checks its own /healthz.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/compiler", "healthcheck"]
ENTRYPOINT ["/compiler"]
