package cli

import (
	"strings"
	"testing"
)

func TestPreviewCommand(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"help", []string{"preview", "-h"}, ExitOK, "usage: maintgen preview [-addr HOST:PORT] [FILE]"},
		{"two policy files", []string{"preview", "a.yaml", "b.yaml"}, ExitUsage, "want one policy file, got 2: a.yaml b.yaml"},
		{"bad address", []string{"preview", "-addr", "256.0.0.1:0"}, ExitPolicy, "maintgen preview: listen tcp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := run(t, dir, tt.args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("exit code %d, stderr %q; want %d and %q", code, errOut, tt.wantCode, tt.wantErr)
			}
		})
	}
	if code, out, _ := run(t, dir, "help"); code != ExitOK || !strings.Contains(out, "\tmaintgen preview [-addr HOST:PORT] [FILE]\n") {
		t.Errorf("the usage does not list preview: %q", out)
	}
}
