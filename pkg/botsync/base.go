package botsync

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"unicode/utf8"
)

// StateDir is the folder under LOCAL holding the sync's state.
const StateDir = ".drivemon"

// Agreed is the last version of a path both sides agreed on.
type Agreed struct {
	MD5        string `json:"md5"` // of the content
	Size       int64  `json:"size"`
	LocalMTime int64  `json:"local_mtime"` // unix ms, for the quick check
	// RemoteHash is what REMOTE's listing shows for that content: its ETag
	// (the MD5 for a single-part upload) or the MD5 for a folder.
	RemoteHash  string `json:"remote_hash"`
	RemoteMTime int64  `json:"remote_mtime"`
	// At is when the entry was recorded (unix ms): the quick check trusts
	// an mtime only when it is older than that by racyWindow.
	At int64 `json:"at"`
}

// Base is the state of one LOCAL/REMOTE pair.
type Base struct {
	Remote string
	Files  map[string]Agreed
	Last   LastPass
	// Cursor is the DRIVE stream sequence of the last remote change a
	// watch with --nats has applied (0: none): where a restart resumes.
	Cursor uint64

	mu sync.Mutex // Files while a pass's copies run at once
}

// set records path's agreed version.
func (b *Base) set(path string, a Agreed) {
	b.mu.Lock()
	b.Files[path] = a
	b.mu.Unlock()
}

// forget drops path.
func (b *Base) forget(path string) {
	b.mu.Lock()
	delete(b.Files, path)
	b.mu.Unlock()
}

// LastPass is what `drivemon sync status` shows of the last pass.
type LastPass struct {
	At       int64    `json:"at,omitempty"` // unix ms
	Summary  string   `json:"summary,omitempty"`
	Errors   []string `json:"errors,omitempty"` // the first maxLastErrors
	Excludes []string `json:"excludes,omitempty"`
}

// maxLastErrors bounds the errors a base keeps of its last pass.
const maxLastErrors = 10

// baseFile is Base on disk: paths in a list so names that are not UTF-8
// keep their bytes (encoding/json would replace them).
type baseFile struct {
	V      int         `json:"v"`
	Remote string      `json:"remote"`
	Last   LastPass    `json:"last"`
	Cursor uint64      `json:"cursor,omitempty"`
	Files  []baseEntry `json:"files"`
}

type baseEntry struct {
	Path    string `json:"path,omitempty"`
	PathB64 string `json:"path_b64,omitempty"`
	Agreed
}

// BasePath is the state file of the pair LOCAL/remote.
func BasePath(local, remote string) string {
	sum := sha256.Sum256([]byte(remote))
	return filepath.Join(local, StateDir, "sync-"+hex.EncodeToString(sum[:8])+".json")
}

// LoadBase reads the state file; a missing file is an empty base (a first
// run).
func LoadBase(file, remote string) (*Base, error) {
	b := &Base{Remote: remote, Files: map[string]Agreed{}}
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return b, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading sync state: %w", err)
	}
	var f baseFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("sync state %s is damaged (%v): move it away to start over with a first-run union", file, err)
	}
	if f.V != 1 {
		return nil, fmt.Errorf("sync state %s: version %d, this drivemon reads 1", file, f.V)
	}
	for _, e := range f.Files {
		p := e.Path
		if e.PathB64 != "" {
			raw, err := base64.StdEncoding.DecodeString(e.PathB64)
			if err != nil {
				return nil, fmt.Errorf("sync state %s: path_b64 %q: %w", file, e.PathB64, err)
			}
			p = string(raw)
		}
		b.Files[p] = e.Agreed
	}
	b.Last, b.Cursor = f.Last, f.Cursor
	if b.Remote == "" {
		b.Remote = f.Remote
	}
	return b, nil
}

// Save writes the state file atomically (temporary file, fsync, rename).
func (b *Base) Save(file string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	f := baseFile{V: 1, Remote: b.Remote, Last: b.Last, Cursor: b.Cursor, Files: make([]baseEntry, 0, len(b.Files))}
	for _, p := range slices.Sorted(maps.Keys(b.Files)) {
		e := baseEntry{Agreed: b.Files[p]}
		if utf8.ValidString(p) {
			e.Path = p
		} else {
			e.PathB64 = base64.StdEncoding.EncodeToString([]byte(p))
		}
		f.Files = append(f.Files, e)
	}
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("encoding sync state: %w", err)
	}
	return writeAtomic(file, data)
}

func writeAtomic(file string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("saving sync state: %w", err)
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	tmp := file + "." + hex.EncodeToString(suffix) + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("saving sync state: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, file)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("saving sync state %s: %w", file, err)
	}
	return nil
}
