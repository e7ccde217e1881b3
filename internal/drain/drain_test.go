package drain

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// startServer serves h, wrapped and tracked by st, on a loopback port.
func startServer(t *testing.T, st *State, h http.Handler) (*http.Server, string, chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: st.Handler(h), ReadHeaderTimeout: 5 * time.Second}
	st.Track(srv)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return srv, ln.Addr().String(), errc
}

// roundTrip sends a GET on c and reads its answer.
func roundTrip(t *testing.T, c net.Conn, br *bufio.Reader, path string) *http.Response {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Header.Set("X-Body", string(body))
	return resp
}

func TestHandlerClosesConnectionsOnlyWhileDraining(t *testing.T) {
	st := &State{}
	h := st.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	for _, tt := range []struct {
		name      string
		draining  bool
		protoMaj  int
		wantClose string
	}{
		{"serving, HTTP/1.1", false, 1, ""},
		{"draining, HTTP/1.1", true, 1, "close"},
		{"draining, HTTP/2 has no Connection header", true, 2, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st.draining.Store(tt.draining)
			if got := st.Draining(); got != tt.draining {
				t.Fatalf("Draining() = %v, want %v", got, tt.draining)
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.ProtoMajor = tt.protoMaj
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if got := w.Header().Get("Connection"); got != tt.wantClose {
				t.Errorf("Connection = %q, want %q", got, tt.wantClose)
			}
			if w.Code != 200 || w.Body.String() != "ok" {
				t.Errorf("got %d %q, want 200 %q", w.Code, w.Body.String(), "ok")
			}
		})
	}
}

// TestShutdownLetsInFlightRequestsFinish: a request begun before the drain
// is answered in full, with Connection: close, and the server stops after.
func TestShutdownLetsInFlightRequestsFinish(t *testing.T) {
	st := &State{}
	entered, release := make(chan struct{}), make(chan struct{})
	srv, addr, errc := startServer(t, st, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			<-release
		}
		io.WriteString(w, "done")
	}))
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	got := make(chan *http.Response, 1)
	go func() { got <- roundTrip(t, c, br, "/slow") }()
	<-entered

	shut := make(chan error, 1)
	go func() { shut <- st.Shutdown(context.Background(), Config{Delay: 200 * time.Millisecond}, srv) }()
	time.Sleep(400 * time.Millisecond) // past the delay: the listener is closed
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("a new connection was accepted after the delay; want the listener closed")
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	default:
	}
	close(release)
	resp := <-got
	if resp.StatusCode != 200 || resp.Header.Get("X-Body") != "done" || !resp.Close {
		t.Errorf("in-flight answer: %d %q close=%v; want 200 %q close=true", resp.StatusCode, resp.Header.Get("X-Body"), resp.Close, "done")
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve returned %v, want ErrServerClosed", err)
	}
}

// TestShutdownServesDuringDelay: during the delay a busy connection gets
// its answer with Connection: close, new connections are still accepted,
// and the delay ends early once nothing is open for Quiet.
func TestShutdownServesDuringDelay(t *testing.T) {
	st := &State{}
	srv, addr, _ := startServer(t, st, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	if resp := roundTrip(t, c, br, "/"); resp.Close {
		t.Fatal("Connection: close before the drain")
	}
	if n := st.OpenConns(); n != 1 {
		t.Errorf("OpenConns() = %d, want 1", n)
	}
	start := time.Now()
	shut := make(chan error, 1)
	go func() {
		shut <- st.Shutdown(context.Background(), Config{Delay: 5 * time.Second, Quiet: 100 * time.Millisecond}, srv)
	}()
	for !st.Draining() {
		time.Sleep(time.Millisecond)
	}
	// The idle keep-alive connection is not closed under the client: its
	// next request is answered, and closes it.
	time.Sleep(150 * time.Millisecond)
	if resp := roundTrip(t, c, br, "/"); !resp.Close || resp.StatusCode != 200 {
		t.Errorf("answer while draining: %d close=%v; want 200 close=true", resp.StatusCode, resp.Close)
	}
	c.Close()
	// A new connection is still served while the delay runs.
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial during the delay: %v", err)
	}
	if resp := roundTrip(t, c2, bufio.NewReader(c2), "/"); !resp.Close {
		t.Error("answer on a new connection while draining lacks Connection: close")
	}
	c2.Close()
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Shutdown took %v; want it to end after Quiet, not the 5s delay", took)
	}
}

// TestShutdownTimeoutCutsStuckRequests: a request that outlives Timeout is
// cut and Shutdown reports the deadline.
func TestShutdownTimeoutCutsStuckRequests(t *testing.T) {
	st := &State{}
	entered := make(chan struct{})
	srv, addr, _ := startServer(t, st, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done()
	}))
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	<-entered
	start := time.Now()
	err = st.Shutdown(context.Background(), Config{Delay: -1, Timeout: 200 * time.Millisecond}, srv)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want context.DeadlineExceeded", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Shutdown took %v, want about the 200ms timeout", took)
	}
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || strings.Contains(err.Error(), "timeout") {
		t.Errorf("read on the cut connection: %v; want it closed", err)
	}
}

func TestShutdownRefusesNegativeTimeout(t *testing.T) {
	st := &State{}
	if err := st.Shutdown(context.Background(), Config{Timeout: -1}); !errors.Is(err, ErrBadTimeout) {
		t.Errorf("Shutdown = %v, want ErrBadTimeout", err)
	}
	if st.Draining() {
		t.Error("a refused Shutdown began draining")
	}
}

// BenchmarkHandler is the cost State.Handler adds to a request that is not
// draining (the statuswriter wrapper and one atomic load).
func BenchmarkHandler(b *testing.B) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	r := httptest.NewRequest("GET", "/", nil)
	for _, bb := range []struct {
		name string
		h    http.Handler
	}{{"bare", ok}, {"drain", (&State{}).Handler(ok)}} {
		b.Run(bb.name, func(b *testing.B) {
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				bb.h.ServeHTTP(w, r)
			}
		})
	}
}
