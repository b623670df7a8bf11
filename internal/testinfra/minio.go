package testinfra

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Variables written by scripts/testenv.sh for the test MinIO server.
const (
	EnvS3Endpoint     = "DRIVEMON_TEST_S3_ENDPOINT"
	EnvS3AccessKey    = "DRIVEMON_TEST_S3_ACCESS_KEY"
	EnvS3SecretKey    = "DRIVEMON_TEST_S3_SECRET_KEY"
	EnvS3NATSAddr     = "DRIVEMON_TEST_S3_NATS_ADDR"
	EnvS3NotifyARN    = "DRIVEMON_TEST_S3_NOTIFY_ARN" // comma-separated: every target
	EnvS3NotifySubjet = "DRIVEMON_TEST_S3_NOTIFY_SUBJECT"
	// The fast target (no queue directory) and the durable one (queue
	// directory), one by one.
	EnvS3NotifyARNFast    = "DRIVEMON_TEST_S3_NOTIFY_ARN_FAST"
	EnvS3NotifyARNDurable = "DRIVEMON_TEST_S3_NOTIFY_ARN_DURABLE"
)

// S3Env describes the test MinIO server.
type S3Env struct {
	Endpoint, AccessKey, SecretKey string
	// NATSAddr is where MinIO sends bucket notifications (JetStream
	// publishes on NotifySubject or below it, NotifySubject.>); a test
	// that wants them starts an embedded server there (StartNATSAt).
	NATSAddr      string
	NotifySubject string
	// NotifyARNs are every notification target of MinIO: a bucket set to
	// notify them all gets one copy of each event per target. FastARN (no
	// queue directory) and DurableARN (a queue directory) are the two
	// targets one by one; "" in an environment started before there were
	// two.
	NotifyARNs          []string
	FastARN, DurableARN string
	Client              *minio.Client
}

// S3 returns the test MinIO server, or skips (fails in CI) without one.
func S3(t testing.TB) *S3Env {
	t.Helper()
	env := &S3Env{
		Endpoint:      os.Getenv(EnvS3Endpoint),
		AccessKey:     os.Getenv(EnvS3AccessKey),
		SecretKey:     os.Getenv(EnvS3SecretKey),
		NATSAddr:      os.Getenv(EnvS3NATSAddr),
		NotifySubject: os.Getenv(EnvS3NotifySubjet),
		FastARN:       os.Getenv(EnvS3NotifyARNFast),
		DurableARN:    os.Getenv(EnvS3NotifyARNDurable),
	}
	for _, a := range strings.Split(os.Getenv(EnvS3NotifyARN), ",") {
		if a = strings.TrimSpace(a); a != "" {
			env.NotifyARNs = append(env.NotifyARNs, a)
		}
	}
	if env.Endpoint == "" {
		Unavailable(t, "%s is not set: run scripts/testenv.sh start and source its env", EnvS3Endpoint)
	}
	c, err := minio.New(env.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(env.AccessKey, env.SecretKey, "")})
	if err != nil {
		t.Fatalf("minio client: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.ListBuckets(ctx); err != nil {
		Unavailable(t, "MinIO at %s: %v", env.Endpoint, err)
	}
	env.Client = c
	return env
}

// Bucket creates a bucket for a fresh bot and returns the bot name and the
// bucket (<bot>.gbai); the bucket and its objects are removed at the end of
// the test.
func (e *S3Env) Bucket(t testing.TB) (bot, bucket string) {
	t.Helper()
	bot = "t" + randomHex(6)
	bucket = bot + ".gbai"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("creating bucket %s: %v", bucket, err)
	}
	t.Cleanup(func() { e.RemoveBucket(t, bucket) })
	return bot, bucket
}

// RemoveBucket deletes a bucket with everything in it.
func (e *S3Env) RemoveBucket(t testing.TB, bucket string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := e.Client.RemoveBucketWithOptions(ctx, bucket, minio.RemoveBucketOptions{ForceDelete: true}); err != nil {
		if minio.ToErrorResponse(err).Code != "NoSuchBucket" {
			t.Logf("removing bucket %s: %v", bucket, err)
		}
	}
}
