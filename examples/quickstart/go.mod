module github.com/harden-go/harden/examples/quickstart

go 1.26.0

toolchain go1.27.3

require github.com/harden-go/harden v0.0.0

require (
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)

replace github.com/harden-go/harden => ../../
