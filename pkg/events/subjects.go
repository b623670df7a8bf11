package events

import (
	"fmt"
	"strings"
)

// Stream names.
const (
	StreamDrive    = "DRIVE"
	StreamOutcomes = "OUTCOMES"
	StreamDead     = "DEAD"
)

// Subject layout
//
//	drive.<bot>.<kind>.<path-token>     change events          (stream DRIVE)
//	outcome.<service>.<bot>             processing outcomes    (stream OUTCOMES)
//	dead.<consumer>.<original subject>  dead letters           (stream DEAD)
//	raw.s3.<...>                        MinIO's raw S3 events  (stream RAW, detector)
//
// Bot and kind come first so consumers filter with wildcards alone:
// "drive.*.kb.>" is every KB change, "drive.harbor.>" everything of bot
// harbor, "drive.harbor.theme.>" harbor's theme. The last token is
// PathToken(path): one subject per file, so per-subject limits compact the
// history to the latest state of each file, a consumer can be pinned to one
// file, and the path (which may contain dots, spaces or any byte) never has
// to be escaped into a subject.
const (
	DrivePrefix   = "drive"
	OutcomePrefix = "outcome"
	DeadPrefix    = "dead"
)

// ChangeSubject is the subject a change is published on.
func ChangeSubject(c *Change) string {
	tok := "_"
	if c.Path != "" {
		tok = PathToken(c.Path)
	}
	return DrivePrefix + "." + c.Bot + "." + string(c.Kind) + "." + tok
}

// FilterKind matches every change of one kind, all bots.
func FilterKind(kind Kind) string { return DrivePrefix + ".*." + string(kind) + ".>" }

// FilterBot matches every change of one bot.
func FilterBot(bot string) string { return DrivePrefix + "." + bot + ".>" }

// FilterBotKind matches one kind of one bot.
func FilterBotKind(bot string, kind Kind) string {
	return DrivePrefix + "." + bot + "." + string(kind) + ".>"
}

// OutcomeSubject is where service publishes its outcome for bot.
func OutcomeSubject(service, bot string) string {
	return OutcomePrefix + "." + service + "." + bot
}

// DeadSubject is where consumer parks a message from subject it gave up on.
func DeadSubject(consumer, subject string) string {
	return DeadPrefix + "." + consumer + "." + subject
}

// ParseChangeSubject splits a drive subject into bot, kind and path token.
func ParseChangeSubject(subject string) (bot string, kind Kind, token string, err error) {
	parts := strings.Split(subject, ".")
	if len(parts) != 4 || parts[0] != DrivePrefix {
		return "", "", "", fmt.Errorf("%q is not drive.<bot>.<kind>.<token>", subject)
	}
	return parts[1], Kind(parts[2]), parts[3], nil
}
