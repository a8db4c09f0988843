module github.com/maintgen/maintgen/examples/prometheus

go 1.26.0

// maintgen itself, from this repository, for go generate.
replace github.com/maintgen/maintgen => ../..

tool github.com/maintgen/maintgen/cmd/maintgen

require github.com/prometheus/client_golang v1.25.0

require (
	github.com/aymanbagabas/go-udiff v0.4.1 // indirect
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/google/renameio/v2 v2.0.2 // indirect
	github.com/kylelemons/godebug v1.1.0 // indirect
	github.com/maintgen/maintgen v0.0.0 // indirect
	github.com/mazznoer/csscolorparser v0.1.7 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/prometheus/client_model v0.6.3 // indirect
	github.com/prometheus/common v0.72.0 // indirect
	github.com/prometheus/procfs v0.22.0 // indirect
	github.com/tdewolff/minify/v2 v2.24.25 // indirect
	github.com/tdewolff/parse/v2 v2.8.20 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
	go4.org/netipx v0.0.0-20260823151212-3075585bcbeb // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
