//go:build maintgen_no_file

// The state file, off: the policy has no state.file.

package maintenance

import "errors"

// fileState is empty: there is no state file to poll.
type fileState struct{}

// newFilePoller does nothing: without a state file, New never calls it.
func (g *Guard) newFilePoller() {}

// refresh returns the mode in w: without a state file the word is never
// stale unless Config.State decides, and then on does not call refresh.
func (g *Guard) refresh(w uint32) bool { return w&stateOn != 0 }

// writeState refuses: there is no state file to write (setState answers
// 409 before it gets here).
func (g *Guard) writeState(on bool) error { return errors.New("the policy has no state file to write") }
