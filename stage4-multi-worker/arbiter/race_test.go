//go:build race

package arbiter

// raceEnabled: the race detector is on, and sync.Pool drops some of what it
// is given (on purpose, to find code that relies on getting it back).
const raceEnabled = true
