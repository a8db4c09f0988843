package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRedisExampleUpToDate checks that the Redis example's committed
// outputs are what generate writes for its policy today. The example is a
// module of its own, which go generate ./... does not reach.
func TestRedisExampleUpToDate(t *testing.T) {
	dir := "../../examples/redis"
	src, err := os.ReadFile(filepath.Join(dir, "policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	_, files, err := Outputs("policy.yaml", src, func(name string) ([]byte, error) {
		return os.ReadFile(filepath.Join(dir, name))
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Errorf("%v; run make generate (go generate in examples/redis)", err)
			continue
		}
		if diff := cmp.Diff(string(got), string(f.Data)); diff != "" {
			t.Errorf("examples/redis/%s is stale; run make generate (go generate in examples/redis) (-committed +generated):\n%s", f.Path, diff)
		}
	}
}
