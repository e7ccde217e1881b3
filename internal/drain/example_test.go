package drain_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/harden-go/harden/internal/drain"
)

// Example serves with a readiness check that fails as soon as draining
// begins. A program calls Shutdown when signal.NotifyContext's context
// for SIGTERM is done.
func Example() {
	st := &drain.State{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if st.Draining() {
			http.Error(w, "draining", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready")
	})
	srv := &http.Server{Handler: st.Handler(mux), ReadHeaderTimeout: 5 * time.Second}
	st.Track(srv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(ln)

	// On SIGTERM (here at once): fail readiness, serve for the delay
	// (in full: Quiet < 0), then stop.
	done := make(chan error)
	go func() {
		done <- st.Shutdown(context.Background(), drain.Config{Delay: 300 * time.Millisecond, Quiet: -1}, srv)
	}()
	for !st.Draining() {
		time.Sleep(time.Millisecond)
	}
	resp, err := http.Get("http://" + ln.Addr().String() + "/readyz")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, "close:", resp.Close)
	fmt.Println(<-done)
	// Output:
	// 503 close: true
	// <nil>
}
