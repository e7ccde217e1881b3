//go:build race

package headers

// raceEnabled: the race detector adds allocations of its own, so
// allocation counts are checked only without it.
const raceEnabled = true
