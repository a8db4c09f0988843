package maintenance

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/maintgen/maintgen/internal/interp"
	"github.com/maintgen/maintgen/internal/policy"
	"github.com/maintgen/maintgen/internal/statefile"
)

// The runtime imports only the standard library, so it keeps its own
// copies of concepts whose home is elsewhere: the decision steps
// (interp.Steps), the response formats (policy.Format), the on/off word
// (statefile.ParseWord), the modes (statefile.Mode), the sources of the
// state (interp.Source) and the state file's grammar (statefile.Parse,
// held by TestParseSettingAgreesWithStatefile). These tests hold each
// copy to its home.

// constsOfType returns the constants of type typ declared in core.go, in
// the order written: names and values.
func constsOfType(t *testing.T, typ string) (names, values []string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "core.go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != typ {
				continue
			}
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("core.go: %s is not a string literal", name.Name)
				}
				v, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				names, values = append(names, name.Name), append(values, v)
			}
		}
	}
	if len(names) == 0 {
		t.Fatalf("core.go declares no constant of type %s", typ)
	}
	return names, values
}

// TestStepsMatchInterp: the Step constants of core.go, in the order
// written (the order of the steps, as Step's doc says), are the steps of
// interp.Steps, with the same names, and Decide reports them by those
// names.
func TestStepsMatchInterp(t *testing.T) {
	names, values := constsOfType(t, "Step")
	var want []string
	for _, s := range interp.Steps() {
		want = append(want, string(s.Step))
	}
	if diff := cmp.Diff(want, values); diff != "" {
		t.Errorf("core.go's Step constants %v differ from interp.Steps (-interp +runtime):\n%s", names, diff)
	}
	// stepNames, indexed by the compact decision's step, must name only
	// steps of the table, each once.
	seen := map[Step]bool{}
	for _, s := range stepNames {
		if interp.Step(s).Number() < 0 || seen[s] {
			t.Errorf("stepNames holds %q, which is not a step of interp.Steps or is repeated", s)
		}
		seen[s] = true
	}
	if len(seen) != len(want) {
		t.Errorf("stepNames has %d steps, interp.Steps %d", len(seen), len(want))
	}
}

// TestFormatsMatchPolicy: the Format constants of core.go (formatAuto
// included) spell policy.Formats, and formatNames, which Decide reports,
// spells the formats of a response.
func TestFormatsMatchPolicy(t *testing.T) {
	_, values := constsOfType(t, "Format")
	var want []string
	for _, f := range policy.Formats() {
		want = append(want, string(f))
	}
	slices.Sort(want)
	slices.Sort(values)
	if diff := cmp.Diff(want, values); diff != "" {
		t.Errorf("core.go's Format constants differ from policy.Formats (-policy +runtime):\n%s", diff)
	}
	for _, f := range formatNames[1:] {
		switch policy.Format(f) {
		case policy.FormatHTML, policy.FormatJSON, policy.FormatRedirect:
		default:
			t.Errorf("formatNames holds %q, which is no format of a response", f)
		}
	}
}

// TestParseWordAgreesWithStatefile: the runtime's on/off word, which
// reads the env var and each word of the state file, is
// statefile.ParseWord, over a corpus of words in every case, with
// whitespace and junk around them.
func TestParseWordAgreesWithStatefile(t *testing.T) {
	words := []string{"on", "off", "1", "0", "true", "false", "yes", "no", "until", "o", "", "01", "+1", "tru", "onn", "ON OFF"}
	pads := []string{"", " ", "\t", "\n", "\r\n", "\v", "\f", "\u00a0", "\u2003", "\x00", "x"}
	var inputs []string
	for _, w := range words {
		title := w
		if w != "" {
			title = strings.ToUpper(w[:1]) + w[1:]
		}
		for _, c := range []string{w, strings.ToUpper(w), title} {
			for _, l := range pads {
				for _, r := range pads {
					inputs = append(inputs, l+c+r)
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		b := make([]byte, rng.IntN(6))
		for i := range b {
			const alphabet = "onftrue01 \tONFTRUE\x00\xff"
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		on, ok := parseWord(in)
		wantOn, wantOK := statefile.ParseWord(in)
		if on != wantOn || ok != wantOK {
			t.Errorf("parseWord(%q) = %t, %t; statefile.ParseWord %t, %t", in, on, ok, wantOn, wantOK)
		}
	}
}

// TestStateModelAgreesWithInterp holds a Guard's mode to interp.StateAt,
// the model maintgen status prints, over the env var, the state file (read
// by statefile.Read, as status reads it) and the schedule of policy.yaml:
// Decide passes an outsider's request by the step off exactly when the
// model says off.
func TestStateModelAgreesWithInterp(t *testing.T) {
	src, err := os.ReadFile("policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.Parse("policy.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	before := time.Date(2031, 1, 10, 1, 0, 0, 0, time.UTC)
	inside := time.Date(2031, 1, 10, 3, 0, 0, 0, time.UTC)
	files := []struct {
		name  string
		write func(t *testing.T)
	}{
		{"missing", func(*testing.T) {}},
		{"on", func(t *testing.T) { writeState(t, "on\n") }},
		{"OFF", func(t *testing.T) { writeState(t, " OFF ") }},
		{"garbage", func(t *testing.T) { writeState(t, "of") }},
		{"on until running", func(t *testing.T) { writeState(t, "on until 2031-01-10T01:30:00Z") }},
		{"on until ended", func(t *testing.T) { writeState(t, "on until 2031-01-10T01:00:00Z") }},
		{"directory", func(t *testing.T) {
			if err := os.Mkdir(stateName, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"FIFO", func(t *testing.T) {
			if err := syscall.Mkfifo(stateName, 0o644); err != nil {
				t.Skip(err)
			}
		}},
		{"too long", func(t *testing.T) { writeState(t, "on"+strings.Repeat(" ", maxStateFile)) }},
	}
	for _, env := range []string{"", "on", "0", "maybe", " "} {
		for _, f := range files {
			for _, now := range []time.Time{before, inside} {
				t.Run(fmt.Sprintf("env %q, file %s, %s", env, f.name, now.Format("15:04")), func(t *testing.T) {
					useStateFile(t)
					t.Setenv(envVar, env)
					f.write(t)
					in := interp.StateInputs{Now: now, Env: env}
					in.File, in.FileErr = statefile.Read(stateName)
					want := interp.StateAt(p, in)
					d := New(Config{Now: func() time.Time { return now }}).Decide(newReq("/secret"))
					if got := d.Step != StepOff; got != want.On {
						t.Errorf("Decide: %+v; interp.StateAt: %+v", d, want)
					}
				})
			}
		}
	}
}

// TestModesAreStatefiles: the runtime's Mode constants spell statefile's
// modes, and parseMode reads what statefile.ParseMode reads.
func TestModesAreStatefiles(t *testing.T) {
	for m, want := range map[Mode]statefile.Mode{ModeOff: statefile.Off, ModeOn: statefile.On, ModeReadOnly: statefile.ReadOnly} {
		if string(m) != string(want) {
			t.Errorf("Mode %q, statefile %q", m, want)
		}
	}
	for _, in := range []string{"on", "OFF", " read-only\n", "Read-Only", "readonly", "read_only", "1", "0", "true", "x", ""} {
		got, gok := parseMode(in)
		want, wok := statefile.ParseMode(in)
		if gok != wok || gok && string(got) != string(want) {
			t.Errorf("parseMode(%q) = %q, %t; statefile %q, %t", in, got, gok, want, wok)
		}
	}
}

// TestStatusSources: Status.Source names the source as interp.Source does.
func TestStatusSources(t *testing.T) {
	ctx := context.Background()
	useStateFile(t)
	cases := []struct {
		g    *Guard
		want interp.Source
	}{
		{New(Config{}), interp.SourceFile},
		{New(Config{State: func(context.Context) (bool, error) { return false, nil }}), interp.SourceConfig},
		{New(Config{Now: clock(win1Start), State: func(context.Context) (bool, error) { return false, nil }}), interp.SourceSchedule},
	}
	t.Setenv(envVar, "on")
	cases = append(cases, struct {
		g    *Guard
		want interp.Source
	}{New(Config{}), interp.SourceEnv})
	for _, c := range cases {
		if got := c.g.Status(ctx).Source; got != string(c.want) {
			t.Errorf("Source %q, want %q", got, c.want)
		}
	}
}
