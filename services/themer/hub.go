package themer

import (
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
)

// ErrShuttingDown is returned by a subscribe after the service began to stop.
var ErrShuttingDown = errors.New("themer is shutting down")

// frame is one encoded SSE event, shared by every client that gets it.
type frame struct {
	seq  uint64
	data []byte
	// always: sent even at or below the position a client has (a
	// settings change, which has no DRIVE sequence of its own).
	always bool
}

// encodeFrame writes an SSE event: id, event name, one data line (JSON
// holds no raw newlines).
func encodeFrame(seq uint64, name string, data any) (frame, error) {
	body, err := json.Marshal(data)
	if err != nil {
		return frame{}, err
	}
	b := make([]byte, 0, len(body)+len(name)+40)
	b = append(b, "id: "...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, "\nevent: "...)
	b = append(b, name...)
	b = append(b, "\ndata: "...)
	b = append(b, body...)
	b = append(b, "\n\n"...)
	return frame{seq: seq, data: b}, nil
}

// Why a subscription ended.
const (
	reasonSlow     = "slow client: buffer full"
	reasonShutdown = "shutting down"
)

// subscriber is one open stream. Its channel is bounded; done is closed
// when the hub drops it (slow, or shutting down), reason says which.
type subscriber struct {
	ch     chan frame
	done   chan struct{}
	once   sync.Once
	reason atomic.Pointer[string]
}

func (s *subscriber) drop(reason string) {
	s.once.Do(func() {
		s.reason.Store(&reason)
		close(s.done)
	})
}

func (s *subscriber) why() string {
	if r := s.reason.Load(); r != nil {
		return *r
	}
	return ""
}

// botEntry holds one bot's theme and its subscribers under one lock, so a
// new subscriber's snapshot and the live feed it then receives meet
// exactly.
type botEntry struct {
	mu    sync.Mutex
	theme Theme
	subs  map[*subscriber]struct{}
	// gone is set when the entry was taken out of the hub; whoever locked
	// it late looks it up again.
	gone bool
}

// hub is the per-replica state of every bot and the fan-out to streams.
type hub struct {
	buffer int

	mu     sync.Mutex
	bots   map[string]*botEntry
	closed atomic.Bool

	// applied is the DRIVE sequence of the last change applied (any bot).
	applied atomic.Uint64
	dropped atomic.Uint64
}

func newHub(buffer int) *hub { return &hub{buffer: buffer, bots: map[string]*botEntry{}} }

// lock returns bot's entry, created if needed, locked.
func (h *hub) lock(bot string) *botEntry {
	for {
		h.mu.Lock()
		e := h.bots[bot]
		if e == nil {
			e = &botEntry{theme: newTheme(), subs: map[*subscriber]struct{}{}}
			h.bots[bot] = e
		}
		h.mu.Unlock()
		e.mu.Lock()
		if !e.gone {
			return e
		}
		e.mu.Unlock()
	}
}

// update runs fn on bot's theme under its lock, encodes the events fn
// returns with id seq and hands them to every subscriber of bot without
// waiting: a subscriber whose buffer is full is dropped. seq becomes the
// applied position. It returns the number of subscribers reached.
func (h *hub) update(bot string, seq uint64, fn func(t *Theme) []streamEvent) (int, error) {
	e := h.lock(bot)
	defer e.mu.Unlock()
	evs := fn(&e.theme)
	var frames []frame
	for _, ev := range evs {
		f, err := encodeFrame(seq, ev.name, ev.data)
		if err != nil {
			h.advance(seq)
			return 0, err
		}
		frames = append(frames, f)
	}
	h.advance(seq)
	if len(frames) == 0 {
		return 0, nil
	}
	for _, f := range frames {
		h.send(e, f)
	}
	return len(e.subs), nil
}

// send hands f to every subscriber of e (locked) without waiting: one
// whose buffer is full is dropped.
func (h *hub) send(e *botEntry, f frame) {
	for s := range e.subs {
		select {
		case s.ch <- f:
		default:
			s.drop(reasonSlow)
			delete(e.subs, s)
			h.dropped.Add(1)
		}
	}
}

// updateAt is update with the applied position, read under bot's lock, as
// the id, for a change that is not on DRIVE (settings): its frames are
// sent to every subscriber whatever position it has (frame.always).
func (h *hub) updateAt(bot string, fn func(t *Theme) []streamEvent) error {
	e := h.lock(bot)
	defer e.mu.Unlock()
	evs := fn(&e.theme)
	seq := h.applied.Load()
	for _, ev := range evs {
		f, err := encodeFrame(seq, ev.name, ev.data)
		if err != nil {
			return err
		}
		f.always = true
		h.send(e, f)
	}
	return nil
}

// advance records seq as applied; sequences only grow.
func (h *hub) advance(seq uint64) {
	for {
		cur := h.applied.Load()
		if seq <= cur || h.applied.CompareAndSwap(cur, seq) {
			return
		}
	}
}

// subscribe registers a stream for bot and returns, atomically with the
// registration, a copy of the theme and the applied sequence: every change
// of bot up to seq is in the copy, every later one goes to the channel.
func (h *hub) subscribe(bot string) (*subscriber, Theme, uint64, error) {
	if h.closed.Load() {
		return nil, Theme{}, 0, ErrShuttingDown
	}
	e := h.lock(bot)
	defer e.mu.Unlock()
	// close sets the flag before it locks each entry to drop its
	// subscribers, so a subscriber added here is either refused or dropped.
	if h.closed.Load() {
		return nil, Theme{}, 0, ErrShuttingDown
	}
	s := &subscriber{ch: make(chan frame, h.buffer), done: make(chan struct{})}
	e.subs[s] = struct{}{}
	return s, e.theme.clone(), h.applied.Load(), nil
}

// unsubscribe removes a stream; a bot left without subscribers and without
// any theme state is forgotten, so asking for unknown bots costs nothing
// lasting.
func (h *hub) unsubscribe(bot string, s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.bots[bot]
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.subs, s)
	if len(e.subs) == 0 && len(e.theme.Files) == 0 && len(e.theme.Values) == 0 {
		e.gone = true
		delete(h.bots, bot)
	}
}

// theme returns a copy of bot's theme.
func (h *hub) theme(bot string) Theme {
	h.mu.Lock()
	e := h.bots[bot]
	h.mu.Unlock()
	if e == nil {
		return newTheme()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.theme.clone()
}

// file returns bot's theme file at rel.
func (h *hub) file(bot, rel string) (File, bool) {
	h.mu.Lock()
	e := h.bots[bot]
	h.mu.Unlock()
	if e == nil {
		return File{}, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	f, ok := e.theme.Files[rel]
	return f, ok
}

// close drops every subscriber with reasonShutdown and refuses new ones.
func (h *hub) close() {
	h.closed.Store(true)
	h.mu.Lock()
	entries := make([]*botEntry, 0, len(h.bots))
	for _, e := range h.bots {
		entries = append(entries, e)
	}
	h.mu.Unlock()
	for _, e := range entries {
		e.mu.Lock()
		for s := range e.subs {
			s.drop(reasonShutdown)
			delete(e.subs, s)
		}
		e.mu.Unlock()
	}
}

// subscribers counts the open streams of bot.
func (h *hub) subscribers(bot string) int {
	h.mu.Lock()
	e := h.bots[bot]
	h.mu.Unlock()
	if e == nil {
		return 0
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.subs)
}
