# A stand-in for the qdrant image where no Qdrant can be had (a machine that
# reaches no image registry): internal/qdrantfake's in-memory server of the
# Qdrant gRPC API, tagged as the compose file's Qdrant so the stack runs the
# indexer's Qdrant adapter over the network, every indexer replica on one
# index. It is no Qdrant: the index is lost when the container stops, and
# only what the adapter uses is served. Build from the repository root
# (scripts/compose-test.sh does):
#   docker build -f deploy/docker/qdrant-standin.Dockerfile -t qdrant/qdrant:v1.13.6 .
# Builds with the classic builder and with BuildKit alike.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY . .
# The build step of the five service Dockerfiles, to the letter: built after
# any of them, it is taken from the layer cache.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ \
    ./services/detector/cmd/detector ./services/compiler/cmd/compiler \
    ./services/indexer/cmd/indexer ./services/themer/cmd/themer ./services/files/cmd/files \
    ./internal/qdrantfake/cmd/qdrant-standin

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/qdrant-standin /qdrant-standin
# /bin/bash is the binary again: the compose file's health check is
# bash -c "exec 3<>/dev/tcp/127.0.0.1/6334" (the real image has bash, no
# curl); called as bash it connects to that port and understands nothing else.
COPY --from=build /out/qdrant-standin /bin/bash
EXPOSE 6333 6334
ENTRYPOINT ["/qdrant-standin"]
CMD ["--grpc-addr", ":6334", "--http-addr", ":6333"]
