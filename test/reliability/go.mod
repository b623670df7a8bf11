module github.com/drivemon/drivemon/test/reliability

go 1.26.0

require (
	github.com/drivemon/drivemon/internal/testinfra v0.0.0
	github.com/drivemon/drivemon/pkg/drive v0.0.0
	github.com/drivemon/drivemon/pkg/events v0.0.0
	github.com/drivemon/drivemon/services/compiler v0.0.0
	github.com/drivemon/drivemon/services/detector v0.0.0
	github.com/drivemon/drivemon/services/files v0.0.0
	github.com/drivemon/drivemon/services/indexer v0.0.0
	github.com/drivemon/drivemon/services/themer v0.0.0
	github.com/go-chi/chi/v5 v5.5.0
	github.com/nats-io/nats.go v1.55.0
)

require (
	github.com/antithesishq/antithesis-sdk-go v0.8.0-default-no-op // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/chromedp/cdproto v0.159.0 // indirect
	github.com/chromedp/chromedp v0.23.0 // indirect
	github.com/drivemon/drivemon/internal/natsembed v0.0.0
	github.com/drivemon/drivemon/pkg/botpkg v0.0.0
	github.com/drivemon/drivemon/pkg/fswatch v0.0.0
	github.com/dustin/go-humanize v1.1.0 // indirect
	github.com/fsnotify/fsnotify v1.10.1 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/google/go-tpm v0.9.8 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/pgx/v5 v5.12.0 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/klauspost/cpuid/v2 v2.4.0 // indirect
	github.com/klauspost/crc32 v1.3.0 // indirect
	github.com/ledongthuc/pdf v0.0.0-20260907135840-6c8c28e0e8a0 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/minio/crc64nvme v1.1.1 // indirect
	github.com/minio/highwayhash v1.0.4 // indirect
	github.com/minio/md5-simd v1.1.2 // indirect
	github.com/minio/minio-go/v7 v7.4.1
	github.com/nats-io/jwt/v2 v2.8.2 // indirect
	github.com/nats-io/nats-server/v2 v2.15.2
	github.com/nats-io/nkeys v0.4.16 // indirect
	github.com/nats-io/nuid v1.0.1 // indirect
	github.com/ncruces/go-strftime v1.1.0 // indirect
	github.com/philhofer/fwd v1.2.0 // indirect
	github.com/qdrant/go-client v1.17.1 // indirect
	github.com/remyoudompheng/bigfft v0.0.0-20230129092748-24d4a6f8daec // indirect
	github.com/robfig/cron/v3 v3.0.1 // indirect
	github.com/rs/xid v1.6.0 // indirect
	github.com/tinylib/msgp v1.6.4 // indirect
	github.com/zeebo/xxh3 v1.1.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	golang.org/x/time v0.16.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260817212433-ac3dfec99bb1 // indirect
	google.golang.org/grpc v1.85.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
	gopkg.in/ini.v1 v1.67.3 // indirect
	gopkg.in/natefinch/lumberjack.v2 v2.2.1 // indirect
	modernc.org/libc v1.79.0 // indirect
	modernc.org/mathutil v1.7.1 // indirect
	modernc.org/memory v1.12.1 // indirect
	modernc.org/sqlite v1.61.1 // indirect
)

replace (
	github.com/drivemon/drivemon/internal/testinfra => ../../internal/testinfra
	github.com/drivemon/drivemon/pkg/drive => ../../pkg/drive
	github.com/drivemon/drivemon/pkg/events => ../../pkg/events
	github.com/drivemon/drivemon/pkg/host => ../../pkg/host
	github.com/drivemon/drivemon/services/compiler => ../../services/compiler
	github.com/drivemon/drivemon/services/detector => ../../services/detector
	github.com/drivemon/drivemon/services/files => ../../services/files
	github.com/drivemon/drivemon/services/indexer => ../../services/indexer
	github.com/drivemon/drivemon/services/themer => ../../services/themer
)

replace github.com/drivemon/drivemon/pkg/botpkg => ../../pkg/botpkg

replace github.com/drivemon/drivemon/internal/natsembed => ../../internal/natsembed

replace github.com/drivemon/drivemon/pkg/fswatch => ../../pkg/fswatch
