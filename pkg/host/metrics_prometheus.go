package host

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/drivemon/drivemon/pkg/events"
)

// Metric names, exported for dashboards and tests.
const (
	MetricChangesProcessed   = "drivemon_changes_processed_total"
	MetricProcessingSeconds  = "drivemon_processing_seconds"
	MetricConsumerPending    = "drivemon_consumer_pending"
	MetricConsumerRedeliver  = "drivemon_consumer_redelivered"
	MetricConsumerAckPending = "drivemon_consumer_ack_pending"
	MetricChangesDetected    = "drivemon_changes_detected_total"
	MetricSSEClients         = "drivemon_sse_clients"
)

// DefaultConsumerPoll is how often PollConsumers reads the consumers' info.
const DefaultConsumerPoll = 5 * time.Second

// Metrics is a service's Prometheus registry with the collectors drivemon
// services share. Its methods are the services' metrics hooks; all of them
// are safe for concurrent use and do nothing on a nil *Metrics.
type Metrics struct {
	Registry *prometheus.Registry

	processed                        *prometheus.CounterVec
	seconds                          *prometheus.HistogramVec
	pending, redelivered, ackPending *prometheus.GaugeVec
	detected                         *prometheus.CounterVec
	sse                              *prometheus.GaugeVec
	mu                               sync.Mutex
	sseClients                       map[string]int
	consumers                        []watchedConsumer
}

func consumerGauge(name, help string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, []string{"service", "consumer"})
}

type watchedConsumer struct{ service, stream, durable string }

// NewMetrics returns a registry with the Go and process collectors and
// drivemon's own.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		processed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricChangesProcessed,
			Help: "Change messages handled by a service's consumer, by result: ok (acknowledged), retry (will be redelivered), dead (parked on DEAD).",
		}, []string{"service", "bot", "kind", "result"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    MetricProcessingSeconds,
			Help:    "Time a service's handler took for one change message.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 12), // 5 ms .. 2 min
		}, []string{"service", "kind"}),
		pending:     consumerGauge(MetricConsumerPending, "Messages of the stream not yet delivered to the durable consumer (its backlog)."),
		redelivered: consumerGauge(MetricConsumerRedeliver, "Messages of the durable consumer delivered more than once and not yet acknowledged."),
		ackPending:  consumerGauge(MetricConsumerAckPending, "Messages delivered to the durable consumer and not yet acknowledged (in progress)."),
		detected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: MetricChangesDetected,
			Help: "Change events the detector published (acknowledged by the DRIVE stream).",
		}, []string{"bot", "kind", "op", "detected_by"}),
		sse: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: MetricSSEClients,
			Help: "Open theme event streams (server-sent events) of this replica.",
		}, []string{"bot"}),
		sseClients: map[string]int{},
	}
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.processed, m.seconds, m.pending, m.redelivered, m.ackPending, m.detected, m.sse)
	return m
}

// Observer returns the worker hook (worker.Config.Observe) of service: it
// counts each handled message by bot, kind and result and records its
// handling time. Bot and kind come from the drive.<bot>.<kind>.<token>
// subject; other subjects count with an empty bot and their first token as
// kind. Nil on a nil *Metrics.
func (m *Metrics) Observer(service string) func(subject string, took time.Duration, result string) {
	if m == nil {
		return nil
	}
	return func(subject string, took time.Duration, result string) {
		bot, kind, _, err := events.ParseChangeSubject(subject)
		if err != nil {
			bot, kind = "", events.Kind(strings.SplitN(subject, ".", 2)[0])
		}
		m.processed.WithLabelValues(service, bot, string(kind), result).Inc()
		m.seconds.WithLabelValues(service, string(kind)).Observe(took.Seconds())
	}
}

// ChangeDetected counts a change the detector published (its
// Deps.Detected hook).
func (m *Metrics) ChangeDetected(c *events.Change) {
	if m == nil {
		return
	}
	m.detected.WithLabelValues(c.Bot, string(c.Kind), string(c.Op), string(c.DetectedBy)).Inc()
}

// SSEClients adds delta to the open event streams of bot (the themer's
// Deps.SSEClients hook). A bot's series is removed when it has none left,
// so names asked for once do not stay in the metrics.
func (m *Metrics) SSEClients(bot string, delta int) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.sseClients[bot] + delta
	if n <= 0 {
		delete(m.sseClients, bot)
		m.sse.DeleteLabelValues(bot)
		return
	}
	m.sseClients[bot] = n
	m.sse.WithLabelValues(bot).Set(float64(n))
}

// WatchConsumer adds a durable consumer whose backlog, redeliveries and
// unacknowledged messages PollConsumers exports under service.
func (m *Metrics) WatchConsumer(service, stream, durable string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.consumers = append(m.consumers, watchedConsumer{service: service, stream: stream, durable: durable})
}

// ConsumerSource finds a durable consumer (jetstream.JetStream is one).
type ConsumerSource interface {
	Consumer(ctx context.Context, stream, name string) (jetstream.Consumer, error)
}

// PollConsumers reads the info of every watched consumer now and then
// every period until ctx ends. A consumer that cannot be read (not created
// yet, NATS down) keeps its last figures and is logged at debug level.
func (m *Metrics) PollConsumers(ctx context.Context, js ConsumerSource, every time.Duration, log *slog.Logger) {
	if m == nil {
		return
	}
	if every <= 0 {
		every = DefaultConsumerPoll
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		m.pollConsumers(ctx, js, every, log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (m *Metrics) pollConsumers(ctx context.Context, js ConsumerSource, timeout time.Duration, log *slog.Logger) {
	m.mu.Lock()
	watched := append([]watchedConsumer(nil), m.consumers...)
	m.mu.Unlock()
	for _, w := range watched {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		info, err := consumerInfo(cctx, js, w.stream, w.durable)
		cancel()
		if err != nil {
			if ctx.Err() == nil && log != nil {
				log.Debug("reading consumer info for metrics", "stream", w.stream, "consumer", w.durable, "err", err)
			}
			continue
		}
		m.pending.WithLabelValues(w.service, w.durable).Set(float64(info.NumPending))
		m.redelivered.WithLabelValues(w.service, w.durable).Set(float64(info.NumRedelivered))
		m.ackPending.WithLabelValues(w.service, w.durable).Set(float64(info.NumAckPending))
	}
}

func consumerInfo(ctx context.Context, js ConsumerSource, stream, durable string) (*jetstream.ConsumerInfo, error) {
	c, err := js.Consumer(ctx, stream, durable)
	if err != nil {
		return nil, err
	}
	return c.Info(ctx)
}
