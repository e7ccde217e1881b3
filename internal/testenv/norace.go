//go:build !race

package testenv

// RaceEnabled reports whether the tests run under the race detector. Under
// it, allocation counts are not stable (sync.Pool drops items at random and
// the detector allocates for itself), so allocation tests skip.
const RaceEnabled = false
