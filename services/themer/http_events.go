package themer

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/drivemon/drivemon/pkg/events"
)

// handleEvents serves GET /bots/{bot}/theme/events: one bot's theme
// changes as Server-Sent Events (see the package documentation).
func (s *Service) handleEvents(w http.ResponseWriter, r *http.Request) {
	bot := chi.URLParam(r, "bot")
	if err := events.ValidBot(bot); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	release, status, reason := s.limits.acquire(clientIP(r))
	if release == nil {
		w.Header().Set("Retry-After", retryAfter(s.cfg.Retry))
		http.Error(w, reason, status)
		return
	}
	defer release()
	ctx := r.Context()
	if err := s.waitReady(ctx); err != nil {
		w.Header().Set("Retry-After", retryAfter(s.cfg.Retry))
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	sub, theme, seq, err := s.hub.subscribe(bot)
	if err != nil {
		w.Header().Set("Retry-After", retryAfter(s.cfg.Retry))
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	defer s.hub.unsubscribe(bot, sub)
	s.countClient(bot, 1)
	defer s.countClient(bot, -1)

	initial, last := s.startFrames(ctx, bot, r, theme, seq)

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache, no-transform")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	sw := &sseWriter{w: w, rc: http.NewResponseController(w), timeout: s.cfg.WriteTimeout}
	if err := sw.write(retryField(s.cfg.Retry)); err != nil {
		return
	}
	for _, f := range initial {
		if err := sw.write(f.data); err != nil {
			return
		}
	}
	if err := sw.flush(); err != nil {
		return
	}

	hb := time.NewTicker(s.cfg.Heartbeat)
	defer hb.Stop()
	for {
		select {
		case f := <-sub.ch:
			if f.seq <= last && !f.always {
				continue // already sent by the replay
			}
			last = max(last, f.seq)
			if sw.write(f.data) != nil || sw.flush() != nil {
				return
			}
		case <-hb.C:
			if sw.write(heartbeat) != nil || sw.flush() != nil {
				return
			}
		case <-sub.done:
			if sub.why() == reasonShutdown {
				_ = sw.write(append(retryField(s.cfg.Retry), ": shutting down\n\n"...))
				_ = sw.flush()
			}
			return
		case <-ctx.Done():
			return
		}
	}
}

var heartbeat = []byte(": heartbeat\n\n")

func retryField(d time.Duration) []byte {
	return []byte("retry: " + strconv.FormatInt(d.Milliseconds(), 10) + "\n\n")
}

func retryAfter(d time.Duration) string {
	return strconv.FormatInt(max(1, int64(d.Round(time.Second)/time.Second)), 10)
}

// lastEventID is the id a reconnecting client saw last: the Last-Event-ID
// header (sent by EventSource itself) or ?lastEventId= (sent by themer.js
// when it opens a new EventSource after giving up on the old one).
func lastEventID(r *http.Request) (uint64, bool) {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("lastEventId")
	}
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseUint(v, 10, 64)
	return n, err == nil
}

// startFrames is what a new stream begins with: for a client resuming
// after id N, its bot's changes in (N, seq] replayed from JetStream and
// the current theme.vars; for a new client (or an id that cannot be
// resumed) a snapshot with id seq.
// last is the sequence the live feed continues after.
func (s *Service) startFrames(ctx context.Context, bot string, r *http.Request, theme Theme, seq uint64) ([]frame, uint64) {
	if after, ok := lastEventID(r); ok {
		frames, last, err := s.resume(ctx, bot, after, seq, theme)
		if err == nil {
			return frames, last
		}
		s.log.Info("resume not possible, sending a snapshot", "bot", bot, "last_event_id", after, "err", err)
	}
	f, err := encodeFrame(seq, EventSnapshot, snapshotOf(bot, theme))
	if err != nil {
		s.log.Error("encoding a snapshot", "bot", bot, "err", err)
		return nil, seq
	}
	return []frame{f}, seq
}

// errFutureID: the client's id is beyond the end of the stream, so it came
// from a stream that was reset since.
var errFutureID = errors.New("last event id is beyond the end of the stream")

// resume replays what a client missed after id after. Settings do not
// travel on DRIVE, so it always ends with the current theme.vars (with
// the id the live feed continues after): setting the same variables again
// is harmless, and a change of them the client missed is not lost.
func (s *Service) resume(ctx context.Context, bot string, after, seq uint64, theme Theme) ([]frame, uint64, error) {
	frames, last, err := s.missed(ctx, bot, after, seq)
	if err != nil {
		return nil, 0, err
	}
	f, err := encodeFrame(last, EventVars, varsEvent(theme.Values))
	if err != nil {
		return nil, 0, err
	}
	return append(frames, f), last, nil
}

// missed is the frames of bot's changes in (after, seq] and the sequence
// the live feed continues after.
func (s *Service) missed(ctx context.Context, bot string, after, seq uint64) ([]frame, uint64, error) {
	if after == seq {
		return nil, seq, nil // nothing missed
	}
	if after > seq {
		// The client is ahead of this replica's state (it came from a
		// replica further on, or from a stream since reset): check the
		// stream, then let the live feed skip what it has seen.
		st, err := s.js.Stream(ctx, events.StreamDrive)
		if err != nil {
			return nil, 0, err
		}
		if info := st.CachedInfo(); info == nil || after > info.State.LastSeq {
			return nil, 0, errFutureID
		}
		return nil, after, nil
	}
	frames, err := s.replay(ctx, bot, after, seq)
	if err != nil {
		return nil, 0, err
	}
	return frames, seq, nil
}

// sseWriter writes to one client, each write bounded by a deadline so a
// client that stopped reading is cut off instead of holding its handler.
type sseWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (sw *sseWriter) write(b []byte) error {
	if err := sw.rc.SetWriteDeadline(time.Now().Add(sw.timeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	_, err := sw.w.Write(b)
	return err
}

func (sw *sseWriter) flush() error { return sw.rc.Flush() }
