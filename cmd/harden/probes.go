package main

import "net/http"

// withHealth answers GET /healthz (and HEAD) on the plain-HTTP redirect
// listener from app, as -h promises ("GET /healthz is answered over plain
// HTTP"): a load balancer probing the instance by address gets the
// liveness answer, not a redirect to a public URL it may not resolve.
// Every other request goes to redirect.
func withHealth(redirect, app http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", app)
	mux.Handle("/", redirect)
	return mux
}
