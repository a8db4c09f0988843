module github.com/maintgen/maintgen/examples/redis

go 1.26.0

require (
	github.com/maintgen/maintgen v0.0.0 // indirect
	github.com/redis/go-redis/v9 v9.23.0
)

require (
	github.com/aymanbagabas/go-udiff v0.4.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/google/renameio/v2 v2.0.2 // indirect
	github.com/mazznoer/csscolorparser v0.1.7 // indirect
	github.com/tdewolff/minify/v2 v2.24.25 // indirect
	github.com/tdewolff/parse/v2 v2.8.20 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
	go4.org/netipx v0.0.0-20260823151212-3075585bcbeb // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)

// maintgen itself, from this repository, for go generate.
replace github.com/maintgen/maintgen => ../..

tool github.com/maintgen/maintgen/cmd/maintgen
