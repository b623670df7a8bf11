package testinfra_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/notification"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/internal/testinfra"
)

func TestIntegrationPostgres(t *testing.T) {
	dsn := testinfra.Postgres(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var db string
	if err := conn.QueryRow(ctx, "select current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(db, "t_") {
		t.Fatalf("connected to %q, want a fresh t_ database", db)
	}
}

// TestIntegrationMinIONotifiesJetStream checks the environment the detector
// relies on: MinIO's native NATS target publishes a PUT into JetStream.
func TestIntegrationMinIONotifiesJetStream(t *testing.T) {
	s3 := testinfra.S3(t)
	n := testinfra.StartNATSAt(t, s3.NATSAddr)
	_, js := n.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	stream, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "RAWTEST", Subjects: []string{s3.NotifySubject}, Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	_, bucket := s3.Bucket(t)
	arn, err := notification.NewArnFromString(s3.NotifyARN)
	if err != nil {
		t.Fatal(err)
	}
	cfg := notification.NewConfig(arn)
	cfg.AddEvents(notification.ObjectCreatedAll, notification.ObjectRemovedAll)
	var nc notification.Configuration
	nc.AddQueue(cfg)
	if err := s3.Client.SetBucketNotification(ctx, bucket, nc); err != nil {
		t.Fatalf("SetBucketNotification: %v", err)
	}
	key := "x.gbkb/faq/a b.md"
	if _, err := s3.Client.PutObject(ctx, bucket, key, bytes.NewReader([]byte("hello")), 5, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := cons.Next(jetstream.FetchMaxWait(30 * time.Second))
	if err != nil {
		t.Fatalf("no notification from MinIO in 30 s: %v", err)
	}
	var ev struct {
		EventName string
		Key       string
	}
	if err := json.Unmarshal(msg.Data(), &ev); err != nil {
		t.Fatalf("notification %s: %v", msg.Data(), err)
	}
	got, err := url.QueryUnescape(ev.Key)
	if err != nil || ev.EventName != "s3:ObjectCreated:Put" || got != bucket+"/"+key {
		t.Fatalf("notification %s %q (decoded %q), want s3:ObjectCreated:Put %s/%s", ev.EventName, ev.Key, got, bucket, key)
	}
}
