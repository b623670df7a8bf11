package worker_test

import (
	"errors"
	"fmt"
	"time"

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
