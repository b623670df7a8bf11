package drive

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/minio/minio-go/v7"

	"github.com/drivemon/drivemon/pkg/events"
)

// appendTries bounds the read-modify-write loop of an S3 append.
const appendTries = 5

func (s *S3) check(bot, path string) error {
	if err := events.ValidBot(bot); err != nil {
		return err
	}
	_, err := events.CleanPath(path)
	return err
}

// Write implements Writer: one PUT, which S3 applies atomically.
func (s *S3) Write(ctx context.Context, bot, path string, data []byte) (Object, error) {
	return s.put(ctx, bot, path, data, "", false)
}

func (s *S3) put(ctx context.Context, bot, path string, data []byte, ifMatch string, ifAbsent bool) (Object, error) {
	if err := s.check(bot, path); err != nil {
		return Object{}, err
	}
	bucket, key := s.Locate(bot, path)
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
	if ifMatch != "" {
		opts.SetMatchETag(ifMatch)
	}
	if ifAbsent {
		opts.SetMatchETagExcept("*")
	}
	info, err := s.c.PutObject(ctx, bucket, key, bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		return Object{}, s3err(bot, path, err)
	}
	return Object{Bot: bot, Path: path, ETag: info.ETag, Size: info.Size, MTime: info.LastModified.UnixMilli()}, nil
}

// Append implements Writer. S3 has no append: it reads the object and puts
// the longer content back on the condition that the object did not change
// in between (If-Match, or If-None-Match for a new object), retrying a
// bounded number of times.
func (s *S3) Append(ctx context.Context, bot, path string, data []byte, max int64) (Object, error) {
	for try := 0; try < appendTries; try++ {
		old, obj, err := s.Read(ctx, bot, path, max)
		switch {
		case errors.Is(err, ErrNotFound):
			old, obj = nil, Object{}
		case errors.Is(err, ErrConflict): // changed while we read it
			continue
		case err != nil:
			return Object{}, err
		}
		if int64(len(old)+len(data)) > max {
			return Object{}, fmt.Errorf("%s: %d + %d bytes, limit %d: %w", events.Key(bot, path), len(old), len(data), max, ErrTooLarge)
		}
		out, err := s.put(ctx, bot, path, append(old, data...), obj.ETag, obj.ETag == "")
		if err == nil {
			return out, nil
		}
		if !errors.Is(err, ErrConflict) {
			return Object{}, err
		}
	}
	return Object{}, fmt.Errorf("appending to %s: %w after %d tries", events.Key(bot, path), ErrConflict, appendTries)
}

// Delete implements Writer.
func (s *S3) Delete(ctx context.Context, bot, path string) error {
	if _, err := s.Stat(ctx, bot, path); err != nil {
		return err
	}
	bucket, key := s.Locate(bot, path)
	if err := s.c.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return s3err(bot, path, err)
	}
	return nil
}

// s3code is the S3 error code inside err, or "".
func s3code(err error) string {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		return resp.Code
	}
	return ""
}
