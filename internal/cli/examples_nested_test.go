package cli

import "testing"

// TestRedisExampleUpToDate checks that the Redis example's committed
// outputs are what generate writes for its policy today. The example is a
// module of its own, which go generate ./... does not reach.
func TestRedisExampleUpToDate(t *testing.T) {
	checkExample(t, "examples/redis", "make generate (go generate in examples/redis)")
}

// TestPrometheusExampleUpToDate does the same for the Prometheus example,
// a module of its own too.
func TestPrometheusExampleUpToDate(t *testing.T) {
	checkExample(t, "examples/prometheus", "make generate (go generate in examples/prometheus)")
}
