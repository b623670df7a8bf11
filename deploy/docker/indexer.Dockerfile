# syntax=docker/dockerfile:1
# drivemon indexer: a static binary on distroless, as a non-root user.
# Build from the repository root (the Go workspace):
#   docker build -f deploy/docker/indexer.Dockerfile -t drivemon/indexer .
# Settings come from environment variables (deploy/README.md).

FROM golang:1.26-bookworm AS build
WORKDIR /src
# The whole workspace: go.work names every module, so each must be there.
# indexer.Dockerfile.dockerignore keeps history, binaries and docs out.
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/indexer ./services/indexer/cmd/indexer

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/indexer /indexer
USER nonroot:nonroot
ENV DRIVEMON_HTTP_ADDR=:8083
EXPOSE 8083
# No curl in distroless: the binary checks its own /healthz.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/indexer", "healthcheck"]
ENTRYPOINT ["/indexer"]
