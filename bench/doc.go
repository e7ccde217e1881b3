// Package bench compares harden with the Go libraries people assemble
// instead: unrolled/secure, rs/cors, gorilla/csrf, go-chi/httprate,
// sethvargo/go-limiter and alexedwards/scs.
//
// Every benchmark is a scenario with one sub-benchmark per implementation,
// named with an impl key so that benchstat puts them side by side in
// columns (benchstat -col /impl):
//
//	BenchmarkHeaders/default/impl=harden
//	BenchmarkHeaders/default/impl=unrolled-secure
//
// Both sides get the same configuration (package chain derives the peers'
// options from harden's), and each benchmark first checks, once, that both
// answer the scenario the same way (status and the header that matters), so
// a misconfigured side cannot produce a flattering figure.
//
// It is a separate module so that the peers never enter the dependency
// graph of harden itself. See README.md for the commands.
package bench
