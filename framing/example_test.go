package framing_test

import (
	"log"
	"net"
	"net/http"
	"time"

	"github.com/harden-go/harden/framing"
)

// Serving an http.Server behind the guard: requests with ambiguous framing
// are answered with 400 and the connection closed before net/http reads
// them.
func ExampleListener_Serve() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{
		Handler:           http.NotFoundHandler(),
		ReadHeaderTimeout: 5 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
	fl, err := framing.NewListener(ln, framing.Config{
		MaxHeaderBytes: srv.MaxHeaderBytes,
		OnRefuse: func(remote net.Addr, requestID string, reason error) {
			log.Printf("refused %s (request %s): %v", remote, requestID, reason)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = fl.Serve(srv) }()
	_ = srv.Close()
}
