package themer

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
)

// dirStorage is the test double of drive.Reader: bot packages as folders
// <root>/<bot>.gbai, etag the hex MD5 of the content (as drive.Dir does).
type dirStorage struct {
	root string

	mu    sync.Mutex
	reads []string
}

func newDirStorage(t testing.TB) *dirStorage { return &dirStorage{root: t.TempDir()} }

func (d *dirStorage) file(bot, path string) string {
	return filepath.Join(d.root, bot+events.PackageSuffix, filepath.FromSlash(path))
}

func (d *dirStorage) Read(ctx context.Context, bot, path string, max int64) ([]byte, drive.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, drive.Object{}, err
	}
	d.mu.Lock()
	d.reads = append(d.reads, events.Key(bot, path))
	d.mu.Unlock()
	data, err := os.ReadFile(d.file(bot, path))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, drive.Object{}, fmt.Errorf("%s: %w", events.Key(bot, path), drive.ErrNotFound)
	}
	if err != nil {
		return nil, drive.Object{}, err
	}
	if int64(len(data)) > max {
		return nil, drive.Object{}, drive.ErrTooLarge
	}
	return data, drive.Object{Bot: bot, Path: path, ETag: etagOf(data), Size: int64(len(data))}, nil
}

func (d *dirStorage) readCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.reads)
}

func etagOf(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

// put writes a file and returns the change a detector would publish.
func (d *dirStorage) put(t testing.TB, bot, path, content string) events.Change {
	t.Helper()
	f := d.file(bot, path)
	if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
		t.Fatal(err)
	}
	// Write and rename, so a reader sees the old or the new content.
	tmp := f + ".tmp~"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, f); err != nil {
		t.Fatal(err)
	}
	c := events.NewChange(bot, events.OpUpdated, path)
	c.ETag, c.Size = etagOf([]byte(content)), int64(len(content))
	c.Source, c.DetectedBy = events.SourceDir, events.DetectedByWatch
	return c
}

// del removes a file and returns its delete change.
func (d *dirStorage) del(t testing.TB, bot, path string) events.Change {
	t.Helper()
	if err := os.Remove(d.file(bot, path)); err != nil {
		t.Fatal(err)
	}
	c := events.NewChange(bot, events.OpDeleted, path)
	c.Source, c.DetectedBy = events.SourceDir, events.DetectedByWatch
	return c
}

// noJetStream stands in for JetStream where a test never reaches it.
type noJetStream struct{}

func (noJetStream) OrderedConsumer(context.Context, string, jetstream.OrderedConsumerConfig) (jetstream.Consumer, error) {
	return nil, errors.New("no JetStream in this test")
}

func (noJetStream) Stream(context.Context, string) (jetstream.Stream, error) {
	return nil, errors.New("no JetStream in this test")
}

func (noJetStream) KeyValue(context.Context, string) (jetstream.KeyValue, error) {
	return nil, errors.New("no JetStream in this test")
}

func (noJetStream) CreateOrUpdateKeyValue(context.Context, jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	return nil, errors.New("no JetStream in this test")
}

func (noJetStream) CreateKeyValue(context.Context, jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	return nil, errors.New("no JetStream in this test")
}
