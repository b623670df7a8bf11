package drive_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/drivemon/drivemon/internal/testinfra"
	"github.com/drivemon/drivemon/pkg/drive"
	"github.com/drivemon/drivemon/pkg/events"
)

// fixture is one implementation under the contract suite: the storage, a
// bot in it, and a way to write a file behind the storage's back.
type fixture struct {
	store drive.Storage
	bot   string
	put   func(t *testing.T, path string, data []byte)
}

var files = map[string]string{
	"f.gbdialog/start.bas":          "TALK \"hello\"\n",
	"f.gbdialog/campaigns/q1/x.bas": "PARAM a AS STRING\n",
	"f.gbkb/faq/perguntas ção.md":   "# FAQ\n",
	"f.gbot/config.csv":             "name,value\ntheme-color1,#fff\n",
	"f.gbdrive/empty.txt":           "",
	"f.gbtheme/css/main.css":        "body{color:red}",
	"root-tool.bas":                 "PARAM x\n",
}

func dirFixture(t *testing.T) fixture {
	root := t.TempDir()
	pkg := filepath.Join(root, "harbor.gbai")
	return fixture{store: drive.NewDir(root), bot: "harbor", put: func(t *testing.T, p string, data []byte) {
		full := filepath.Join(pkg, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}}
}

func s3Fixture(t *testing.T, single bool) fixture {
	env := testinfra.S3(t)
	bot, bucket := env.Bucket(t)
	cfg := drive.S3Config{Endpoint: env.Endpoint, AccessKey: env.AccessKey, SecretKey: env.SecretKey}
	if single {
		cfg.Bucket = bucket // every bot as a <bot>.gbai/ prefix of one bucket
		bot = "harbor"
	}
	s, err := drive.NewS3(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{store: s, bot: bot, put: func(t *testing.T, p string, data []byte) {
		b, key := s.Locate(bot, p)
		if _, err := env.Client.PutObject(context.Background(), b, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}}
}

func TestIntegrationStorageContract(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(*testing.T) fixture
	}{
		{"dir", dirFixture},
		{"s3 bucket per bot", func(t *testing.T) fixture { return s3Fixture(t, false) }},
		{"s3 one bucket", func(t *testing.T) fixture { return s3Fixture(t, true) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.make(t)
			contract(t, f)
			writerContract(t, f)
		})
	}
}

func contract(t *testing.T, f fixture) {
	ctx := context.Background()
	for p, c := range files {
		f.put(t, p, []byte(c))
	}
	t.Run("read gives content and its md5 etag", func(t *testing.T) {
		for p, c := range files {
			data, obj, err := f.store.Read(ctx, f.bot, p, 1<<20)
			if err != nil {
				t.Fatalf("Read(%s): %v", p, err)
			}
			if string(data) != c || obj.Size != int64(len(c)) || obj.Path != p || obj.Bot != f.bot || obj.MTime == 0 {
				t.Fatalf("Read(%s) = %q %+v", p, data, obj)
			}
			if obj.ETag != drive.ContentETag([]byte(c)) {
				t.Fatalf("Read(%s) etag %s, want md5 %s", p, obj.ETag, drive.ContentETag([]byte(c)))
			}
		}
	})
	t.Run("too large is described", func(t *testing.T) {
		_, obj, err := f.store.Read(ctx, f.bot, "f.gbtheme/css/main.css", 3)
		if !errors.Is(err, drive.ErrTooLarge) || obj.Size != int64(len(files["f.gbtheme/css/main.css"])) || obj.Path != "f.gbtheme/css/main.css" {
			t.Fatalf("Read past the limit = %+v, %v; want ErrTooLarge with the size", obj, err)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, tt := range []struct {
			name, bot, path string
			max             int64
			want            error
		}{
			{"missing file", f.bot, "f.gbdialog/nope.bas", 100, drive.ErrNotFound},
			{"missing bot", "nobot", "a.bas", 100, drive.ErrNotFound},
			{"too large", f.bot, "f.gbtheme/css/main.css", 3, drive.ErrTooLarge},
			{"traversal", f.bot, "../../etc/passwd", 100, events.ErrBadPath},
			{"bad bot", "a.b", "a.bas", 100, events.ErrBadBot},
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, _, err := f.store.Read(ctx, tt.bot, tt.path, tt.max)
				if !errors.Is(err, tt.want) {
					t.Fatalf("Read(%s, %s) = %v, want %v", tt.bot, tt.path, err, tt.want)
				}
			})
		}
	})
	t.Run("list", func(t *testing.T) {
		var all []string
		for obj, err := range f.store.List(ctx, f.bot, "") {
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if obj.Size != int64(len(files[obj.Path])) {
				t.Fatalf("List size of %s = %d", obj.Path, obj.Size)
			}
			all = append(all, obj.Path)
		}
		want := make([]string, 0, len(files))
		for p := range files {
			want = append(want, p)
		}
		sort.Strings(all)
		sort.Strings(want)
		if !slices.Equal(all, want) {
			t.Fatalf("List = %q\nwant %q", all, want)
		}
		var dialogs []string
		for obj, err := range f.store.List(ctx, f.bot, "f.gbdialog/") {
			if err != nil {
				t.Fatal(err)
			}
			dialogs = append(dialogs, obj.Path)
		}
		sort.Strings(dialogs)
		if !slices.Equal(dialogs, []string{"f.gbdialog/campaigns/q1/x.bas", "f.gbdialog/start.bas"}) {
			t.Fatalf("List(prefix) = %q", dialogs)
		}
	})
	t.Run("bots", func(t *testing.T) {
		bots, err := f.store.Bots(ctx)
		if err != nil || !slices.Contains(bots, f.bot) {
			t.Fatalf("Bots = %v, %v; want %s among them", bots, err, f.bot)
		}
	})
}

func TestDirRefusesLinksOutOfThePackage(t *testing.T) {
	root := t.TempDir()
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte("s3cr3t"), 0o600); err != nil {
		t.Fatal(err)
	}
	pkg := filepath.Join(root, "harbor.gbai", "harbor.gbdrive")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(pkg, "link.txt")); err != nil {
		t.Fatal(err)
	}
	d := drive.NewDir(root)
	if data, _, err := d.Read(context.Background(), "harbor", "harbor.gbdrive/link.txt", 100); err == nil {
		t.Fatalf("read %q through a link out of the package", data)
	}
	for obj, err := range d.List(context.Background(), "harbor", "") {
		if err == nil {
			t.Fatalf("listed %s, a link out of the package", obj.Path)
		}
	}
}

func TestS3Unlocate(t *testing.T) {
	per, _ := drive.NewS3(drive.S3Config{Endpoint: "127.0.0.1:1"})
	one, _ := drive.NewS3(drive.S3Config{Endpoint: "127.0.0.1:1", Bucket: "bots"})
	for _, tt := range []struct {
		name        string
		s           *drive.S3
		bucket, key string
		bot, path   string
		ok          bool
	}{
		{"bucket per bot", per, "harbor.gbai", "harbor.gbkb/a/b.md", "harbor", "harbor.gbkb/a/b.md", true},
		{"not a package bucket", per, "logs", "x", "", "", false},
		{"one bucket", one, "bots", "harbor.gbai/harbor.gbkb/a/b.md", "harbor", "harbor.gbkb/a/b.md", true},
		{"one bucket, other bucket", one, "other", "harbor.gbai/x", "", "", false},
		{"one bucket, outside packages", one, "bots", "README.md", "", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bot, path, ok := tt.s.Unlocate(tt.bucket, tt.key)
			if ok != tt.ok || (ok && (bot != tt.bot || path != tt.path)) {
				t.Fatalf("Unlocate(%s, %s) = %s, %s, %v", tt.bucket, tt.key, bot, path, ok)
			}
			if ok {
				if b, k := tt.s.Locate(bot, path); b != tt.bucket || k != tt.key {
					t.Fatalf("Locate(%s, %s) = %s, %s; not the inverse", bot, path, b, k)
				}
			}
		})
	}
}
