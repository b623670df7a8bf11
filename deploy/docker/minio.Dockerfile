# MinIO server and mc, built from source at the versions drivemon tests:
# MinIO's community edition is published as source only since early 2026,
# so minio/minio:latest on a registry is an old build. MINIO_VERSION is the
# one scripts/testenv.sh builds; MC_VERSION the newest mc the Go module
# proxy serves. The compose file runs this image as the minio service and
# as the one-shot init (it has a shell for init's script).
#   docker build -f deploy/docker/minio.Dockerfile -t drivemon/minio:20260212-7aac2a2 deploy/docker
# About 3-8 minutes on 2 cores (the MinIO build). No context is needed.

FROM golang:1.26.8-bookworm AS build
ARG MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
ARG MC_VERSION=v0.0.0-20251106162529-77f82e18b540
ENV CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off GOBIN=/out
RUN go install -trimpath -ldflags="-s -w" github.com/minio/minio@${MINIO_VERSION}
RUN go install -trimpath -ldflags="-s -w" github.com/minio/mc@${MC_VERSION}

FROM busybox:1.37.0
COPY --from=build /out/minio /out/mc /usr/bin/
# mc keeps its aliases here (writable whatever HOME is).
ENV MC_CONFIG_DIR=/tmp/.mc
EXPOSE 9000 9001
VOLUME ["/data"]
ENTRYPOINT ["minio"]
CMD ["server", "/data", "--console-address", ":9001"]
