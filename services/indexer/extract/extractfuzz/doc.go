// Package extractfuzz holds the fuzz targets of package extract (`make
// fuzz` runs each for a bounded time). They live apart from extract's own
// tests so that their instrumented build holds only the extractors.
package extractfuzz
