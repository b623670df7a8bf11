//go:build !race

package reliability

// raceEnabled: this test binary runs under the race detector.
const raceEnabled = false
