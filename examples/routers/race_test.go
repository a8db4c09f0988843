//go:build race

package routers

// raceEnabled reports whether the race detector is on.
const raceEnabled = true
