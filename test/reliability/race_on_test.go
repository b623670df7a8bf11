//go:build race

package reliability

// raceEnabled: this test binary runs under the race detector, which
// multiplies memory use by 5 to 10 (Go's race detector documentation).
const raceEnabled = true
