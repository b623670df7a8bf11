# syntax=docker/dockerfile:1
# drivemon themer: a static binary on distroless, as a non-root user.
# Build from the repository root (the Go workspace):
#   docker build -f deploy/docker/themer.Dockerfile -t drivemon/themer .
# Settings come from environment variables (deploy/README.md).

FROM golang:1.26-bookworm AS build
WORKDIR /src
# The whole workspace: go.work names every module, so each must be there.
# themer.Dockerfile.dockerignore keeps history, binaries and docs out.
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/themer ./services/themer/cmd/themer

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/themer /themer
USER nonroot:nonroot
ENV DRIVEMON_HTTP_ADDR=:8084
EXPOSE 8084
# No curl in distroless: the binary checks its own /healthz.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/themer", "healthcheck"]
ENTRYPOINT ["/themer"]
