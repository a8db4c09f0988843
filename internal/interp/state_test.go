package interp_test

import (
	"fmt"
	"io/fs"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/statefile"
)

func TestStateAt(t *testing.T) {
	const base = `version: 1
output: {go: m/m_gen.go, pages: public}
schedule: [{start: 2030-03-01T02:00:00Z, end: 2030-03-01T04:00:00Z}]
default_locale: en
messages: {en: {title: T, heading: H, body: B}}
`
	both := mustParse(t, base+"state: {env: MM, file: m.state, fallback: on}\n")
	envOnly := mustParse(t, base+"state: {env: MM}\n")
	none := mustParse(t, base)
	before := time.Date(2030, 3, 1, 1, 0, 0, 0, time.UTC)
	inside := time.Date(2030, 3, 1, 3, 0, 0, 0, time.UTC)
	missing := fmt.Errorf("open m.state: %w", fs.ErrNotExist)
	garbage := fmt.Errorf("%q: %w", "maybe", statefile.ErrGarbage)
	fifo := &fs.PathError{Op: "read", Path: "m.state", Err: statefile.ErrNotRegular}
	on := statefile.State{On: true}
	until := func(t time.Time) statefile.State { return statefile.State{On: true, Until: t} }
	present := func(on bool) interp.Reading { return interp.Reading{Present: true, On: on} }
	fallback := interp.Reading{Present: true, Fallback: true, On: true}
	for _, c := range []struct {
		name string
		p    string
		in   interp.StateInputs
		want interp.Mode
	}{
		{"missing file: off", "both", interp.StateInputs{Now: before, FileErr: missing},
			interp.Mode{By: interp.SourceFile}},
		{"file on", "both", interp.StateInputs{Now: before, File: on},
			interp.Mode{On: true, By: interp.SourceFile, File: present(true)}},
		{"file off", "both", interp.StateInputs{Now: before},
			interp.Mode{By: interp.SourceFile, File: present(false)}},
		{"on until, running", "both", interp.StateInputs{Now: before, File: until(before.Add(time.Second))},
			interp.Mode{On: true, By: interp.SourceFile, File: present(true)}},
		{"on until, ended at that second", "both", interp.StateInputs{Now: before, File: until(before)},
			interp.Mode{By: interp.SourceFile, File: present(false)}},
		{"garbage file: fallback", "both", interp.StateInputs{Now: before, FileErr: garbage},
			interp.Mode{On: true, By: interp.SourceFile, File: fallback}},
		{"FIFO: fallback", "both", interp.StateInputs{Now: before, FileErr: fifo},
			interp.Mode{On: true, By: interp.SourceFile, File: fallback}},
		{"env decides over the file", "both", interp.StateInputs{Now: before, Env: " Off\n", File: on},
			interp.Mode{By: interp.SourceEnv, Env: present(false), File: present(true)}},
		{"garbage env: fallback, still the env", "both", interp.StateInputs{Now: before, Env: "maybe"},
			interp.Mode{On: true, By: interp.SourceEnv, Env: fallback, File: present(false)}},
		{"blank env is set: fallback", "both", interp.StateInputs{Now: before, Env: " ", FileErr: missing},
			interp.Mode{On: true, By: interp.SourceEnv, Env: fallback}},
		{"window decides over everything", "both", interp.StateInputs{Now: inside, Env: "off"},
			interp.Mode{On: true, By: interp.SourceSchedule, Window: both.Schedule[0], Env: present(false), File: present(false)}},
		{"window end is outside", "both", interp.StateInputs{Now: both.Schedule[0].End, FileErr: missing},
			interp.Mode{By: interp.SourceFile}},
		{"env unset, no file: nothing", "envOnly", interp.StateInputs{Now: before, File: on},
			interp.Mode{By: interp.SourceNone}},
		{"env only", "envOnly", interp.StateInputs{Now: before, Env: "1"},
			interp.Mode{On: true, By: interp.SourceEnv, Env: present(true)}},
		{"no state section: the env var and file are not the policy's", "none", interp.StateInputs{Now: before, Env: "on", File: on},
			interp.Mode{By: interp.SourceNone}},
		{"no state section, in a window", "none", interp.StateInputs{Now: inside},
			interp.Mode{On: true, By: interp.SourceSchedule, Window: none.Schedule[0]}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := map[string]*policy.Policy{"both": both, "envOnly": envOnly, "none": none}[c.p]
			got := interp.StateAt(p, c.in)
			if diff := gocmp.Diff(c.want, got); diff != "" {
				t.Errorf("StateAt (-want +got):\n%s", diff)
			}
		})
	}
}
