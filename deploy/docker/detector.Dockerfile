# syntax=docker/dockerfile:1
# drivemon detector: a static binary on distroless, as a non-root user.
# Build from the repository root (the Go workspace):
#   docker build -f deploy/docker/detector.Dockerfile -t drivemon/detector .
# Settings come from environment variables (deploy/README.md).

FROM golang:1.26-bookworm AS build
WORKDIR /src
# The whole workspace: go.work names every module, so each must be there.
# detector.Dockerfile.dockerignore keeps history, binaries and docs out.
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/detector ./services/detector/cmd/detector

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/detector /detector
USER nonroot:nonroot
ENV DRIVEMON_HTTP_ADDR=:8081
EXPOSE 8081
# No curl in distroless: the binary checks its own /healthz.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/detector", "healthcheck"]
ENTRYPOINT ["/detector"]
