//go:build !race

package extract

// scale divides the limits of the memory tests (1: the defaults).
const scale = 1
