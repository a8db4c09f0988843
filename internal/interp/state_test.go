package interp_test

import (
	"fmt"
	"io/fs"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

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
	on := statefile.State{Mode: statefile.On}
	off := statefile.State{Mode: statefile.Off}
	until := func(t time.Time) statefile.State { return statefile.State{Mode: statefile.On, Until: t} }
	read := func(s statefile.State, m statefile.Mode) interp.Reading {
		return interp.Reading{Present: true, Setting: s, Mode: m}
	}
	fallback := interp.Reading{Present: true, Fallback: true, Setting: on, Mode: statefile.On}
	end := both.Schedule[0].End
	ro := statefile.State{Mode: statefile.ReadOnly, Until: end.Add(time.Hour), Reason: "DB"}
	for _, c := range []struct {
		name string
		p    string
		in   interp.StateInputs
		want interp.Mode
		req  interp.Request // its state fields
	}{
		{"missing file: off", "both", interp.StateInputs{Now: before, FileErr: missing},
			interp.Mode{By: interp.SourceFile}, interp.Request{}},
		{"file on", "both", interp.StateInputs{Now: before, File: on},
			interp.Mode{On: true, By: interp.SourceFile, File: read(on, statefile.On)}, interp.Request{On: true}},
		{"file off", "both", interp.StateInputs{Now: before, File: off},
			interp.Mode{By: interp.SourceFile, File: read(off, statefile.Off)}, interp.Request{}},
		{"on until, running", "both", interp.StateInputs{Now: before, File: until(before.Add(time.Second))},
			interp.Mode{On: true, By: interp.SourceFile, Until: before.Add(time.Second), File: read(until(before.Add(time.Second)), statefile.On)}, interp.Request{On: true}},
		{"on until, ended at that second", "both", interp.StateInputs{Now: before, File: until(before)},
			interp.Mode{By: interp.SourceFile, File: read(until(before), statefile.Off)}, interp.Request{}},
		{"read-only with a reason", "both", interp.StateInputs{Now: before, File: ro},
			interp.Mode{On: true, ReadOnly: true, By: interp.SourceFile, Until: ro.Until, Reason: "DB", File: read(ro, statefile.ReadOnly)}, interp.Request{On: true, ReadOnly: true}},
		{"read-only in a window: on, until the later end", "both", interp.StateInputs{Now: inside, File: ro},
			interp.Mode{On: true, By: interp.SourceSchedule, Window: both.Schedule[0], Until: ro.Until, Reason: "DB", File: read(ro, statefile.ReadOnly)}, interp.Request{On: true, ReadOnly: true}},
		{"on with no end in a window: no end known", "both", interp.StateInputs{Now: inside, File: on},
			interp.Mode{On: true, By: interp.SourceSchedule, Window: both.Schedule[0], File: read(on, statefile.On)}, interp.Request{On: true}},
		{"off until the window's end suspends it", "both", interp.StateInputs{Now: inside, File: statefile.State{Mode: statefile.Off, Until: end}},
			interp.Mode{By: interp.SourceFile, Suspended: true, File: read(statefile.State{Mode: statefile.Off, Until: end}, statefile.Off)}, interp.Request{Suspended: true}},
		{"read-only env", "both", interp.StateInputs{Now: before, Env: "READ-ONLY"},
			interp.Mode{On: true, ReadOnly: true, By: interp.SourceEnv, Env: read(statefile.State{Mode: statefile.ReadOnly}, statefile.ReadOnly), File: read(statefile.State{}, statefile.Off)}, interp.Request{On: true, ReadOnly: true}},
		{"garbage file: fallback", "both", interp.StateInputs{Now: before, FileErr: garbage},
			interp.Mode{On: true, By: interp.SourceFile, File: fallback}, interp.Request{On: true}},
		{"FIFO: fallback", "both", interp.StateInputs{Now: before, FileErr: fifo},
			interp.Mode{On: true, By: interp.SourceFile, File: fallback}, interp.Request{On: true}},
		{"env decides over the file", "both", interp.StateInputs{Now: before, Env: " Off\n", File: on},
			interp.Mode{By: interp.SourceEnv, Env: read(off, statefile.Off), File: read(on, statefile.On)}, interp.Request{}},
		{"garbage env: fallback, still the env", "both", interp.StateInputs{Now: before, Env: "maybe", File: off},
			interp.Mode{On: true, By: interp.SourceEnv, Env: fallback, File: read(off, statefile.Off)}, interp.Request{On: true}},
		{"blank env is set: fallback", "both", interp.StateInputs{Now: before, Env: " ", FileErr: missing},
			interp.Mode{On: true, By: interp.SourceEnv, Env: fallback}, interp.Request{On: true}},
		{"window decides over an off", "both", interp.StateInputs{Now: inside, Env: "off", File: off},
			interp.Mode{On: true, By: interp.SourceSchedule, Window: both.Schedule[0], Until: end, Env: read(off, statefile.Off), File: read(off, statefile.Off)}, interp.Request{}},
		{"window end is outside", "both", interp.StateInputs{Now: end, FileErr: missing},
			interp.Mode{By: interp.SourceFile}, interp.Request{}},
		{"env unset, no file: nothing", "envOnly", interp.StateInputs{Now: before, File: on},
			interp.Mode{By: interp.SourceNone}, interp.Request{}},
		{"env only", "envOnly", interp.StateInputs{Now: before, Env: "1"},
			interp.Mode{On: true, By: interp.SourceEnv, Env: read(on, statefile.On)}, interp.Request{On: true}},
		{"no state section: the env var and file are not the policy's", "none", interp.StateInputs{Now: before, Env: "on", File: on},
			interp.Mode{By: interp.SourceNone}, interp.Request{}},
		{"no state section, in a window", "none", interp.StateInputs{Now: inside},
			interp.Mode{On: true, By: interp.SourceSchedule, Window: none.Schedule[0], Until: end}, interp.Request{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := map[string]*policy.Policy{"both": both, "envOnly": envOnly, "none": none}[c.p]
			got := interp.StateAt(p, c.in)
			if diff := gocmp.Diff(c.want, got, cmpopts.IgnoreUnexported(interp.Mode{})); diff != "" {
				t.Errorf("StateAt (-want +got):\n%s", diff)
			}
			var req interp.Request
			got.Request(&req)
			if req.On != c.req.On || req.ReadOnly != c.req.ReadOnly || req.Suspended != c.req.Suspended {
				t.Errorf("Request: On %t, ReadOnly %t, Suspended %t; want %+v", req.On, req.ReadOnly, req.Suspended, c.req)
			}
		})
	}
}
