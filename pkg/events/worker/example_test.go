package worker_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/worker"
)

// The delay before each retry doubles from MinBackoff up to MaxBackoff.
func ExampleConfig_Backoff() {
	cfg := worker.Config{MinBackoff: time.Second, MaxBackoff: 10 * time.Second}
	for n := 1; n <= 5; n++ {
		fmt.Println(n, cfg.Backoff(n))
	}
	// Output:
	// 1 1s
	// 2 2s
	// 3 4s
	// 4 8s
	// 5 10s
}

// A handler marks an error no retry can fix as permanent: the worker
// parks the message on DEAD at once instead of trying again.
func ExamplePermanent() {
	err := worker.Permanent(errors.New("not a change event"))
	fmt.Println(errors.Is(err, worker.ErrPermanent))
	fmt.Println(err)
	// Output:
	// true
	// permanent failure: not a change event
}

// A service's change handler returns the outcome of one change; the worker
// publishes it once the change succeeded or was given up, stamped with the
// attempt and duration.
func ExampleChanges() {
	compile := func(ctx context.Context, c events.Change) (events.Outcome, error) {
		o := events.OutcomeFor("compiler", &c)
		if c.Op == events.OpDeleted {
			o.Status = events.StatusDeleted
			return o, nil
		}
		if c.Size > 1<<20 {
			return o, worker.Permanent(fmt.Errorf("%s: %d bytes, over the 1 MiB limit", c.Path, c.Size))
		}
		o.Status = events.StatusOK
		return o, nil
	}
	ch := worker.Changes{Service: "compiler", Handle: compile}
	o, err := ch.Handle(context.Background(), events.NewChange("harbor", events.OpDeleted, "harbor.gbdialog/start.bas"))
	fmt.Println(o.Service, o.Bot, o.Kind, o.Status, err)
	// With a consumer: worker.NewChanges(cons, js, ch, worker.Config{Name: "compiler"}, log).Run(ctx)
	// Output:
	// compiler harbor dialog deleted <nil>
}
