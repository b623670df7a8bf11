package drive

import (
	"context"
	"fmt"
	"io"
	"iter"
	"sort"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/drivemon/drivemon/pkg/events"
)

// S3Config says how to reach an S3-compatible store.
type S3Config struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	Region    string
	Secure    bool // HTTPS
	// Bucket, when set, holds every bot as a <bot>.gbai/ prefix. When
	// empty, each bot has its own bucket named <bot>.gbai.
	Bucket string
}

// Validate names the first bad setting.
func (c S3Config) Validate() error {
	if c.Endpoint == "" {
		return fmt.Errorf("s3: endpoint is empty")
	}
	if strings.Contains(c.Endpoint, "/") {
		return fmt.Errorf("s3: endpoint %q must be host:port, without a scheme or path", c.Endpoint)
	}
	return nil
}

// S3 reads bot packages from S3-compatible storage with minio-go.
type S3 struct {
	c      *minio.Client
	bucket string
}

// NewS3 returns the storage for cfg. It does not contact the server.
func NewS3(cfg S3Config) (*S3, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.Secure,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 client for %s: %w", cfg.Endpoint, err)
	}
	return &S3{c: c, bucket: cfg.Bucket}, nil
}

// Client is the underlying minio client (for notification setup).
func (s *S3) Client() *minio.Client { return s.c }

// Locate returns the bucket and object key of a file.
func (s *S3) Locate(bot, path string) (bucket, key string) {
	if s.bucket == "" {
		return bot + events.PackageSuffix, path
	}
	return s.bucket, bot + events.PackageSuffix + "/" + path
}

// Unlocate is the inverse of Locate: the bot and package path of an object,
// or ok false when the object is not inside a bot package.
func (s *S3) Unlocate(bucket, key string) (bot, path string, ok bool) {
	if s.bucket == "" {
		bot, ok = events.BotFromPackage(bucket)
		return bot, key, ok
	}
	if bucket != s.bucket {
		return "", "", false
	}
	pkg, rest, found := strings.Cut(key, "/")
	if !found {
		return "", "", false
	}
	bot, ok = events.BotFromPackage(pkg)
	return bot, rest, ok
}

func s3err(bot, path string, err error) error {
	switch s3code(err) {
	case "NoSuchKey", "NoSuchBucket", "NotFound":
		return fmt.Errorf("%s: %w: %w", events.Key(bot, path), ErrNotFound, err)
	case "PreconditionFailed", "ConditionalRequestConflict":
		// A conditional write lost, or the object changed during a read.
		return fmt.Errorf("%s: %w: %w", events.Key(bot, path), ErrConflict, err)
	}
	return fmt.Errorf("%s: %w", events.Key(bot, path), err)
}

// Read implements Reader.
func (s *S3) Read(ctx context.Context, bot, path string, max int64) ([]byte, Object, error) {
	if err := events.ValidBot(bot); err != nil {
		return nil, Object{}, err
	}
	if _, err := events.CleanPath(path); err != nil {
		return nil, Object{}, err
	}
	bucket, key := s.Locate(bot, path)
	obj, err := s.c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, Object{}, s3err(bot, path, err)
	}
	defer obj.Close()
	info, err := obj.Stat()
	if err != nil {
		return nil, Object{}, s3err(bot, path, err)
	}
	if info.Size > max {
		return nil, objectOf(bot, path, info), fmt.Errorf("%s: %d bytes, limit %d: %w", events.Key(bot, path), info.Size, max, ErrTooLarge)
	}
	data, err := io.ReadAll(io.LimitReader(obj, max+1))
	if err != nil {
		return nil, Object{}, s3err(bot, path, err)
	}
	if int64(len(data)) > max {
		return nil, Object{}, fmt.Errorf("%s: more than %d bytes: %w", events.Key(bot, path), max, ErrTooLarge)
	}
	return data, objectOf(bot, path, info), nil
}

// Stat describes a file without reading it.
func (s *S3) Stat(ctx context.Context, bot, path string) (Object, error) {
	if _, err := events.CleanPath(path); err != nil {
		return Object{}, err
	}
	bucket, key := s.Locate(bot, path)
	info, err := s.c.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return Object{}, s3err(bot, path, err)
	}
	return objectOf(bot, path, info), nil
}

func objectOf(bot, path string, info minio.ObjectInfo) Object {
	return Object{Bot: bot, Path: path, ETag: strings.Trim(info.ETag, `"`), Size: info.Size, MTime: info.LastModified.UnixMilli()}
}

// Bots implements Lister.
func (s *S3) Bots(ctx context.Context) ([]string, error) {
	var bots []string
	if s.bucket == "" {
		buckets, err := s.c.ListBuckets(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing buckets: %w", err)
		}
		for _, b := range buckets {
			if bot, ok := events.BotFromPackage(b.Name); ok {
				bots = append(bots, bot)
			}
		}
	} else {
		for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Recursive: false}) {
			if o.Err != nil {
				return nil, fmt.Errorf("listing bots in bucket %s: %w", s.bucket, o.Err)
			}
			if bot, ok := events.BotFromPackage(strings.TrimSuffix(o.Key, "/")); ok && strings.HasSuffix(o.Key, "/") {
				bots = append(bots, bot)
			}
		}
	}
	sort.Strings(bots)
	return bots, nil
}

// List implements Lister: a prefix-scoped, paginated listing (1000 keys a
// request).
func (s *S3) List(ctx context.Context, bot, prefix string) iter.Seq2[Object, error] {
	return func(yield func(Object, error) bool) {
		if err := events.ValidBot(bot); err != nil {
			yield(Object{}, err)
			return
		}
		bucket, keyPrefix := s.Locate(bot, prefix)
		pkgPrefix := strings.TrimSuffix(keyPrefix, prefix)
		lctx, cancel := context.WithCancel(ctx)
		defer cancel()
		for o := range s.c.ListObjects(lctx, bucket, minio.ListObjectsOptions{Prefix: keyPrefix, Recursive: true}) {
			if o.Err != nil {
				yield(Object{}, s3err(bot, prefix, o.Err))
				return
			}
			if strings.HasSuffix(o.Key, "/") {
				continue // folder marker
			}
			rel := strings.TrimPrefix(o.Key, pkgPrefix)
			if _, err := events.CleanPath(rel); err != nil {
				if !yield(Object{}, fmt.Errorf("bot %s: skipping key %q: %w", bot, o.Key, err)) {
					return
				}
				continue
			}
			if !yield(objectOf(bot, rel, o), nil) {
				return
			}
		}
	}
}
