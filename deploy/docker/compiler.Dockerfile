# drivemon compiler: a static binary on distroless, as a non-root user.
# Build from the repository root (the Go workspace):
#   docker build -f deploy/docker/compiler.Dockerfile -t drivemon/compiler .
# Builds with the classic builder and with BuildKit alike: no syntax line
# (BuildKit would pull a frontend image) and no RUN --mount.
# Settings come from environment variables (deploy/README.md).

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
# The whole workspace: go.work names every module, so each must be there.
# The repository's .dockerignore keeps history, binaries and docs out.
COPY . .
# The five service binaries and the Qdrant stand-in in one step, the same
# in all six Dockerfiles: the first image built leaves it in the layer
# cache for the others.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ \
    ./services/detector/cmd/detector ./services/compiler/cmd/compiler \
    ./services/indexer/cmd/indexer ./services/themer/cmd/themer ./services/files/cmd/files \
    ./internal/qdrantfake/cmd/qdrant-standin

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/compiler /compiler
USER nonroot:nonroot
ENV DRIVEMON_HTTP_ADDR=:8082
EXPOSE 8082
# No curl in distroless: the binary checks its own /healthz.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/compiler", "healthcheck"]
ENTRYPOINT ["/compiler"]
