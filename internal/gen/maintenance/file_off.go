//go:build maintgen_no_file

// The state file, off: the policy has no state.file.

package maintenance

import "errors"

type fileState struct{}

func (g *Guard) newFilePoller() {}

func (g *Guard) refresh(w uint32) uint32 { return w }

func (g *Guard) writeState(s Setting) error {
	return errors.New("the policy has no state file to write")
}
