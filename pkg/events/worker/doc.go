// Package worker runs a handler over a JetStream pull consumer with the
// delivery rules every drivemon service shares: acknowledge only after the
// handler succeeded; on a transient error, retry with exponential backoff;
// give up after the consumer's MaxDeliver tries or at once on a permanent
// error, parking the message on the DEAD stream (never retried forever,
// never lost: a letter the DEAD stream refuses on the last delivery, which
// the server would not redeliver, is held in progress and parked once the
// stream takes writes again); tell the server the work is in progress
// while a slow handler runs so it is not redelivered under it.
//
// # Changes and their outcomes
//
// A service that acts on changes gives NewChanges a ChangeHandler, of the
// shape func(ctx, events.Change) (events.Outcome, error): the worker
// decodes the message (one that does not decode is parked), calls it,
// stamps the outcome's attempt and duration and publishes it on the
// change's final verdict (the handler's outcome on success; its failed
// outcome when the worker gives up, just before the message is parked)
// and on a first try that failed and will be retried, so a person sees the
// failure at once. The tries in between publish nothing: a change has at
// most two outcomes per service. New takes a plain Handler
// for the consumers that publish no outcome (the audit log, the
// detector's raw notifications).
//
// # Consumers
//
// Open gives a service its durable consumer: the standard one, created as
// defined, or an operator's replay consumer, which must already exist (a
// typo never creates a work queue); the standard one is written only when
// its definition differs, so a service starts on a full disk. Config.Prefetch bounds how many
// messages a worker pulls ahead; services with slow handlers pull one so a
// busy or dead replica never sits on work the others could do. Config.Observe
// reports every result for metrics.
package worker
