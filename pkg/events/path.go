package events

import (
	"errors"
	"fmt"
	"strings"

	"github.com/drivemon/drivemon/pkg/botpkg"
)

// Limits on paths inside a bot package. S3 keys are at most 1024 bytes and
// Linux names at most 255 bytes per segment.
const (
	MaxPathBytes    = 1024
	MaxSegmentBytes = 255
	MaxBotBytes     = 63
)

// PackageSuffix ends the folder (local source) or bucket (S3 source) that
// holds one bot package: <bot>.gbai (botpkg.PackageExt).
const PackageSuffix = botpkg.PackageExt

// ErrBadPath is wrapped by every error CleanPath returns.
var ErrBadPath = errors.New("invalid package path")

// ErrBadBot is wrapped by every error ValidBot returns.
var ErrBadBot = errors.New("invalid bot name")

// CleanPath checks a path relative to a bot package root and returns it in
// canonical form. It is the only way a path enters the system: detectors call
// it on every S3 key and file name, HTTP handlers on every URL path.
//
// The path must be relative ("a/b.bas"), use "/" as separator, have no empty,
// "." or ".." segment, no backslash (a Windows separator on some stores, a
// traversal trick on others), no NUL or other control character, and fit
// MaxPathBytes and MaxSegmentBytes. Nothing is rewritten silently: "a//b"
// and "./a" are rejected rather than collapsed, so two different keys never
// map to one path. Bytes that are not valid UTF-8 are kept as they are: a
// Linux file name is any bytes, and the JSON form of Change round-trips it.
func CleanPath(p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("%w: empty", ErrBadPath)
	}
	if len(p) > MaxPathBytes {
		return "", fmt.Errorf("%w: %d bytes, more than %d", ErrBadPath, len(p), MaxPathBytes)
	}
	if p[0] == '/' {
		return "", fmt.Errorf("%w: %q is absolute", ErrBadPath, p)
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == 0:
			return "", fmt.Errorf("%w: NUL byte at offset %d", ErrBadPath, i)
		case c == '\\':
			return "", fmt.Errorf("%w: %q has a backslash at offset %d", ErrBadPath, p, i)
		case c < 0x20 || c == 0x7f:
			return "", fmt.Errorf("%w: control character 0x%02x at offset %d", ErrBadPath, c, i)
		}
	}
	if len(p) >= 2 && p[1] == ':' && isASCIILetter(p[0]) {
		return "", fmt.Errorf("%w: %q looks like a drive-letter path", ErrBadPath, p)
	}
	rest := p
	for rest != "" {
		seg, tail, _ := strings.Cut(rest, "/")
		switch {
		case seg == "":
			return "", fmt.Errorf("%w: %q has an empty segment (trailing slash or \"//\")", ErrBadPath, p)
		case seg == "." || seg == "..":
			return "", fmt.Errorf("%w: %q has a %q segment", ErrBadPath, p, seg)
		case len(seg) > MaxSegmentBytes:
			return "", fmt.Errorf("%w: segment of %d bytes, more than %d", ErrBadPath, len(seg), MaxSegmentBytes)
		}
		if tail == "" && strings.HasSuffix(rest, "/") {
			return "", fmt.Errorf("%w: %q ends with a slash (a folder marker, not a file)", ErrBadPath, p)
		}
		rest = tail
	}
	return p, nil
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// ValidBot checks a bot name. Bot names become NATS subject tokens, KV keys,
// S3 bucket names (<bot>.gbai), table keys and vector collection names, so
// they are limited to ASCII letters, digits, '-' and '_', starting with a
// letter or digit, at most MaxBotBytes long.
func ValidBot(bot string) error {
	if bot == "" {
		return fmt.Errorf("%w: empty", ErrBadBot)
	}
	if len(bot) > MaxBotBytes {
		return fmt.Errorf("%w: %q is longer than %d bytes", ErrBadBot, bot, MaxBotBytes)
	}
	for i := 0; i < len(bot); i++ {
		c := bot[i]
		ok := isASCIILetter(c) || c >= '0' && c <= '9' || (i > 0 && (c == '-' || c == '_'))
		if !ok {
			return fmt.Errorf("%w: %q: character %q at offset %d (allowed: letters, digits, '-', '_'; first a letter or digit)", ErrBadBot, bot, c, i)
		}
	}
	return nil
}

// BotFromPackage returns the bot named by a package folder or bucket name
// "<bot>.gbai". ok is false for any other name.
func BotFromPackage(name string) (bot string, ok bool) {
	if len(name) <= len(PackageSuffix) || !strings.EqualFold(name[len(name)-len(PackageSuffix):], PackageSuffix) {
		return "", false
	}
	bot = name[:len(name)-len(PackageSuffix)]
	return bot, ValidBot(bot) == nil
}

// Key is the canonical identity of a file: "<bot>/<path>". Stores, payloads,
// logs and vector filters all use this one form, so a delete always finds
// what a create wrote.
func Key(bot, path string) string { return bot + "/" + path }

// SplitKey is the inverse of Key.
func SplitKey(key string) (bot, path string, err error) {
	bot, path, ok := strings.Cut(key, "/")
	if !ok {
		return "", "", fmt.Errorf("%w: key %q has no bot part", ErrBadPath, key)
	}
	if err := ValidBot(bot); err != nil {
		return "", "", err
	}
	if _, err := CleanPath(path); err != nil {
		return "", "", err
	}
	return bot, path, nil
}
