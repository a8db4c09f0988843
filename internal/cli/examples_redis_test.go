package cli

import "testing"

// TestRedisExampleUpToDate checks that the Redis example's committed
// outputs are what generate writes for its policy today. The example is a
// module of its own, which go generate ./... does not reach.
func TestRedisExampleUpToDate(t *testing.T) {
	checkExample(t, "examples/redis", "make generate (go generate in examples/redis)")
}
