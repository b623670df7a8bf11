package files

import (
	"context"
	"errors"
	"fmt"

	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
)

// Op is a write operation.
type Op string

// Write operations.
const (
	OpPut    Op = "put"
	OpAppend Op = "append"
	OpDelete Op = "delete"
)

// ErrTooLarge: the content exceeds the configured limit.
var ErrTooLarge = errors.New("content too large")

// Request is one write, from HTTP or NATS.
type Request struct {
	Op     Op
	Bot    string
	Path   string
	Data   []byte
	Origin string
}

// Result is what a write did.
type Result struct {
	Op   Op     `json:"op"`
	Bot  string `json:"bot"`
	Path string `json:"path"`
	ETag string `json:"etag,omitempty"`
	Size int64  `json:"size"`
}

// Storage is what writes need of the storage.
type Storage interface {
	drive.Writer
	drive.Reader
}

// writer executes write requests under the policy.
type writer struct {
	store   Storage
	origins bus.OriginStore
	policy  policy
	maxSize int64
}

func (w *writer) do(ctx context.Context, r Request) (Result, error) {
	if err := events.ValidBot(r.Bot); err != nil {
		return Result{}, err
	}
	path, err := w.policy.check(r.Path)
	if err != nil {
		return Result{}, err
	}
	if r.Origin == "" {
		r.Origin = "api"
	}
	res := Result{Op: r.Op, Bot: r.Bot, Path: path}
	switch r.Op {
	case OpPut:
		if int64(len(r.Data)) > w.maxSize {
			return Result{}, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(r.Data), w.maxSize)
		}
		if err := bus.MarkOrigin(ctx, w.origins, r.Bot, path, drive.ContentETag(r.Data), r.Origin); err != nil {
			return Result{}, err
		}
		obj, err := w.store.Write(ctx, r.Bot, path, r.Data)
		if err != nil {
			return Result{}, err
		}
		res.ETag, res.Size = obj.ETag, obj.Size
	case OpAppend:
		// The origin mark needs the final content's etag: compute it from
		// the current content. A concurrent author edit in between only
		// means the mark does not match, and the change counts as the
		// author's: never a lost change, at worst one extra reaction.
		old, _, err := w.store.Read(ctx, r.Bot, path, w.maxSize)
		if err != nil && !errors.Is(err, drive.ErrNotFound) {
			if errors.Is(err, drive.ErrTooLarge) {
				return Result{}, fmt.Errorf("%w: %s is already at the %d-byte limit", ErrTooLarge, path, w.maxSize)
			}
			return Result{}, err
		}
		if int64(len(old)+len(r.Data)) > w.maxSize {
			return Result{}, fmt.Errorf("%w: %d + %d bytes, limit %d", ErrTooLarge, len(old), len(r.Data), w.maxSize)
		}
		if err := bus.MarkOrigin(ctx, w.origins, r.Bot, path, drive.ContentETag(append(old, r.Data...)), r.Origin); err != nil {
			return Result{}, err
		}
		obj, err := w.store.Append(ctx, r.Bot, path, r.Data, w.maxSize)
		if err != nil {
			if errors.Is(err, drive.ErrTooLarge) {
				return Result{}, fmt.Errorf("%w: %w", ErrTooLarge, err)
			}
			return Result{}, err
		}
		res.ETag, res.Size = obj.ETag, obj.Size
	case OpDelete:
		if err := bus.MarkOrigin(ctx, w.origins, r.Bot, path, "", r.Origin); err != nil {
			return Result{}, err
		}
		if err := w.store.Delete(ctx, r.Bot, path); err != nil {
			return Result{}, err
		}
	default:
		return Result{}, fmt.Errorf("unknown write operation %q", r.Op)
	}
	return res, nil
}
