//go:build race

package extract

// scale divides the limits of the memory tests under the race detector,
// which runs the extractors about ten times slower.
const scale = 8
