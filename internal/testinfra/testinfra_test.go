package testinfra_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
// relies on: MinIO's native NATS targets publish a PUT into JetStream, one
// copy per target, every copy with the same sequencer (which is how the
// detector recognises the second copy of an event).
func TestIntegrationMinIONotifiesJetStream(t *testing.T) {
	s3 := testinfra.S3(t)
	n := testinfra.StartNATSAt(t, s3.NATSAddr)
	_, js := n.Connect(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	stream, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "RAWTEST", Subjects: []string{s3.NotifySubject, s3.NotifySubject + ".>"}, Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	_, bucket := s3.Bucket(t)
	var nc notification.Configuration
	for _, a := range s3.NotifyARNs {
		arn, err := notification.NewArnFromString(a)
		if err != nil {
			t.Fatal(err)
		}
		cfg := notification.NewConfig(arn)
		cfg.AddEvents(notification.ObjectCreatedAll, notification.ObjectRemovedAll)
		nc.AddQueue(cfg)
	}
	if len(nc.QueueConfigs) == 0 {
		t.Fatalf("%s names no target", testinfra.EnvS3NotifyARN)
	}
	if err := s3.Client.SetBucketNotification(ctx, bucket, nc); err != nil {
		t.Fatalf("SetBucketNotification: %v", err)
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	// copies of each object's event: subject → sequencer. A target whose
	// NATS client is still reconnecting (to the previous test's server on
	// this address) drops the event without a queue directory, so objects
	// are put until one was notified through every target.
	copies := map[string]map[string]string{}
	for i := 0; ; i++ {
		key := fmt.Sprintf("x.gbkb/faq/a b %d.md", i)
		if _, err := s3.Client.PutObject(ctx, bucket, key, bytes.NewReader([]byte("hello")), 5, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		// The durable target's copy leaves MinIO's queue on a 3 s tick.
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end) && len(copies[key]) < len(nc.QueueConfigs); {
			msg, err := cons.Next(jetstream.FetchMaxWait(time.Until(end)))
			if err != nil {
				break
			}
			var ev struct {
				EventName string
				Key       string
				Records   []struct {
					S3 struct {
						Object struct {
							Sequencer string `json:"sequencer"`
						} `json:"object"`
					} `json:"s3"`
				}
			}
			if err := json.Unmarshal(msg.Data(), &ev); err != nil {
				t.Fatalf("notification %s: %v", msg.Data(), err)
			}
			got, err := url.QueryUnescape(ev.Key)
			obj, ok := strings.CutPrefix(got, bucket+"/")
			if !ok {
				continue // a queued event of an earlier test's bucket
			}
			if err != nil || ev.EventName != "s3:ObjectCreated:Put" || len(ev.Records) != 1 || ev.Records[0].S3.Object.Sequencer == "" {
				t.Fatalf("notification on %s: %s", msg.Subject(), msg.Data())
			}
			if copies[obj] == nil {
				copies[obj] = map[string]string{}
			}
			copies[obj][msg.Subject()] = ev.Records[0].S3.Object.Sequencer
		}
		if c := copies[key]; len(c) == len(nc.QueueConfigs) {
			seqs := map[string]bool{}
			for _, seq := range c {
				seqs[seq] = true
			}
			if len(seqs) != 1 {
				t.Fatalf("copies of one event with different sequencers: %v", c)
			}
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("no object notified through all %d targets: %v", len(nc.QueueConfigs), copies)
		}
	}
}
