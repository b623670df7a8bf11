// Package deadletter lists and re-runs the messages consumers gave up on.
//
// A worker (package worker) parks a message it cannot process on the DEAD
// stream, on subject dead.<consumer>.<original subject>, with the original
// data and the headers Drivemon-Error, Drivemon-Subject,
// Drivemon-Stream-Seq, Drivemon-Deliveries and Drivemon-Consumer. List
// reads those letters back; Retry republishes one to its original subject
// (same data, a new Nats-Msg-Id "<change id>.retry.<dead seq>" so the
// stream's duplicate window does not swallow it) and, once the stream has
// acknowledged it, deletes it from DEAD.
//
// A re-run change is a new message on DRIVE: every consumer whose filter
// matches its subject gets it, not only the one that gave up. That is safe
// because consumers are idempotent and read the file's current content:
// the re-run brings each of them to the file's current state.
package deadletter
