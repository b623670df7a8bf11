package botpkg

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ key, value, want string }{
		{"embedding-key", "sk-1", "[redacted]"},
		{"SMTP Password", "hunter2", "[redacted]"},
		{"bot_TOKEN", "t", "[redacted]"},
		{"theme-color1", "#fff", "#fff"},
		{"llm-model", "gpt", "gpt"},
	} {
		if got := Redact(tc.key, tc.value); got != tc.want {
			t.Errorf("Redact(%q, %q) = %q, want %q", tc.key, tc.value, got, tc.want)
		}
	}
}

// A secret typed without its comma is reported without its value.
func TestParseProblemHidesSecret(t *testing.T) {
	_, problems := Parse([]byte("name,value\nembedding-key sk-live-123\nllm-model gpt\n"))
	if len(problems) != 2 {
		t.Fatalf("problems = %v", problems)
	}
	if strings.Contains(problems[0].Message, "sk-live-123") || !strings.Contains(problems[0].Message, `"embedding-key [redacted]"`) {
		t.Errorf("secret line reported as %q", problems[0].Message)
	}
	if !strings.Contains(problems[1].Message, `"llm-model gpt"`) {
		t.Errorf("ordinary line reported as %q", problems[1].Message)
	}
}
