//go:build race

package app

// raceDetector reports whether the tests run under the race detector.
const raceDetector = true
