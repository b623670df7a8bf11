package files

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
)

// NATS request/reply for writes: subject files.<bot>.<op>, op one of put,
// append, delete; header Drivemon-Path names the file, Drivemon-Origin the
// writer, Authorization carries "Bearer <token>" (the scheme in any case)
// when a token is configured; the body is the content. The reply is Reply as JSON.
const (
	SubjectPrefix = "files"
	HeaderPath    = "Drivemon-Path"
	HeaderOrigin  = "Drivemon-Origin"
)

// WriteSubject is the request subject of op on bot.
func WriteSubject(bot string, op Op) string { return SubjectPrefix + "." + bot + "." + string(op) }

// Reply answers a write request.
type Reply struct {
	Result
	Status int    `json:"status"`
	Error  string `json:"error,omitempty"`
}

// serveNATS answers write requests until ctx ends.
func (s *Service) serveNATS(ctx context.Context, nc *nats.Conn) error {
	sub, err := nc.QueueSubscribe(SubjectPrefix+".*.*", "drivemon-files", func(m *nats.Msg) {
		rep := s.handleNATS(ctx, m)
		data, _ := json.Marshal(rep)
		if err := m.Respond(data); err != nil {
			s.log.Warn("replying to a write request", "subject", m.Subject, "err", err)
		}
	})
	if err != nil {
		return fmt.Errorf("subscribing to write requests: %w", err)
	}
	<-ctx.Done()
	return sub.Drain()
}

func (s *Service) handleNATS(ctx context.Context, m *nats.Msg) Reply {
	parts := strings.Split(m.Subject, ".")
	if len(parts) != 3 {
		return Reply{Status: 400, Error: fmt.Sprintf("subject %q is not files.<bot>.<op>", m.Subject)}
	}
	if s.cfg.Token != "" {
		got, ok := bearer(m.Header.Get("Authorization"))
		if !ok || !tokenOK(got, s.cfg.Token) {
			return Reply{Status: 401, Error: "write requests need a valid bearer token"}
		}
	} else if !s.cfg.AllowLoopback {
		return Reply{Status: 403, Error: "writes are disabled: no token is configured"}
	} else if !s.cfg.LoopbackNATS {
		return Reply{Status: 403, Error: "writes over NATS are disabled: the NATS server listens beyond loopback and no token is configured (" + EnvToken + ")"}
	}
	op := Op(parts[2])
	switch op {
	case OpPut, OpAppend, OpDelete:
	default:
		return Reply{Status: 400, Error: fmt.Sprintf("unknown operation %q (put, append, delete)", op)}
	}
	origin := m.Header.Get(HeaderOrigin)
	if origin == "" {
		origin = "nats"
	}
	res, err := s.writer.do(ctx, Request{Op: op, Bot: parts[1], Path: m.Header.Get(HeaderPath), Data: m.Data, Origin: origin})
	if err != nil {
		return Reply{Status: errorStatus(err), Error: err.Error()}
	}
	return Reply{Result: res, Status: 200}
}
