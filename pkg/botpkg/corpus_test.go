package botpkg

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// corpusDir is shared/corpus next to the repository (the folder holding
// go.work) or next to a folder above it (a worktree): real bot packages,
// read in place. Missing, the test skips, except under CI=true where it
// fails.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for ; filepath.Dir(dir) != dir; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			break
		}
	}
	for ; filepath.Dir(dir) != dir; dir = filepath.Dir(dir) {
		corpus := filepath.Join(filepath.Dir(dir), "shared", "corpus")
		if _, err := os.Stat(corpus); err == nil {
			return corpus
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true and no shared/corpus next to the repository")
	}
	t.Skip("corpus not found next to the repository")
	return ""
}

func readCorpus(t *testing.T, rel string) *Config {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(corpusDir(t), "bots", rel))
	if err != nil {
		t.Fatal(err)
	}
	cfg, problems := Parse(src)
	if len(problems) > 0 {
		t.Errorf("%s: %v", rel, problems)
	}
	return cfg
}

// Known answers, read off the files by hand.
func TestCorpusKnownAnswers(t *testing.T) {
	ann := readCorpus(t, "communications/announcements.gbai/annoucements.gbot/config.csv")
	if got, want := ann.Theme(), map[string]string{
		"theme-color1": "#0d2b55", "theme-color2": "#fff9c2",
		"theme-logo":  "https://pragmatismo.com.br/icons/general-bots.svg",
		"theme-title": "Announcements General Bots",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("announcements Theme() = %v, want %v", got, want)
	}
	if len(ann.Entries) != 6 {
		t.Errorf("announcements: %d settings, want 6", len(ann.Entries))
	}

	edu := readCorpus(t, "education/edu.gbai/edu.gbot/config.csv")
	if v, _ := edu.Get("theme color"); v != "indigo" || len(edu.Entries) != 4 {
		t.Errorf("edu: Theme Color = %q, %d settings; want indigo, 4", v, len(edu.Entries))
	}

	office := readCorpus(t, "communications/office.gbai/office.gbot/config.csv")
	if v, _ := office.Get("system-prompt"); !strings.HasPrefix(v, "You are a helpful office assistant") || len(office.Entries) != 13 {
		t.Errorf("office: system-prompt = %q, %d settings; want 13", v, len(office.Entries))
	}

	hipaa := readCorpus(t, "legal/hipaa-medical.gbai/hipaa.gbot/config.csv")
	if v, _ := hipaa.Get("Error Message"); v != "I apologize, but I encountered an issue processing your request. For urgent matters, please contact our Privacy Officer directly at privacy@healthcare.org" {
		t.Errorf("hipaa: a value with commas was cut: %q", v)
	}

	def := readCorpus(t, "core/default.gbai/default.gbot/config.csv")
	emb, problems := def.Embedding()
	if want := (Embedding{URL: "http://localhost:8082", Model: "../../../../data/llm/bge-small-en-v1.5-f32.gguf"}); emb != want || len(problems) != 0 {
		t.Errorf("default Embedding() = %+v %v, want %+v", emb, problems, want)
	}
	var secrets []string
	for _, e := range def.Entries {
		if IsSecretKey(e.Key) {
			secrets = append(secrets, e.Key)
		}
	}
	sort.Strings(secrets)
	if want := []string{"custom-password", "email-pass", "llm-key",
		"oauth-discord-client-secret", "oauth-facebook-client-secret", "oauth-google-client-secret",
		"oauth-microsoft-client-secret", "oauth-reddit-client-secret", "oauth-twitter-client-secret"}; !reflect.DeepEqual(secrets, want) {
		t.Errorf("default secrets = %v, want %v", secrets, want)
	}

	bling := readCorpus(t, "core/bling.gbai/bling.gbot/config.csv")
	params := bling.Params()
	if params["limit"] != "100" || params["blinghost"] != "https://api.bling.com.br/Api/v3" || len(params) != 9 {
		t.Errorf("bling Params() = %v", params)
	}
}

// Every config.csv of the corpus parses without a problem, governs its own
// package folder, and classifies as config.
func TestCorpusEveryConfig(t *testing.T) {
	root := corpusDir(t)
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(d.Name(), ConfigFile) {
			return err
		}
		n++
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		cfg, problems := Parse(src)
		if len(problems) > 0 || len(cfg.Entries) == 0 {
			t.Errorf("%s: %d settings, problems %v", p, len(cfg.Entries), problems)
		}
		if _, ep := cfg.Embedding(); len(ep) > 0 {
			t.Errorf("%s: embedding problems %v", p, ep)
		}
		folder := filepath.Base(filepath.Dir(p))
		rel := folder + "/" + d.Name()
		if Classify(rel).Kind != KindConfig {
			t.Errorf("%s: Classify = %v", rel, Classify(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 13 {
		t.Errorf("%d config.csv files in the corpus, want 13", n)
	}
}
