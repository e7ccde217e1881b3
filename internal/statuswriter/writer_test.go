package statuswriter

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// fullWriter is a ResponseWriter with every optional interface. It records
// the calls it receives.
type fullWriter struct {
	header  http.Header
	codes   []int // explicit WriteHeader calls
	body    bytes.Buffer
	flushes int
	reads   int // ReadFrom calls
	pushes  []string
	hijacks int
}

func newFull() *fullWriter { return &fullWriter{header: http.Header{}} }

func (f *fullWriter) Header() http.Header         { return f.header }
func (f *fullWriter) WriteHeader(code int)        { f.codes = append(f.codes, code) }
func (f *fullWriter) Write(p []byte) (int, error) { return f.body.Write(p) }
func (f *fullWriter) Flush()                      { f.flushes++ }
func (f *fullWriter) ReadFrom(r io.Reader) (int64, error) {
	f.reads++
	return f.body.ReadFrom(r)
}
func (f *fullWriter) Push(target string, _ *http.PushOptions) error {
	f.pushes = append(f.pushes, target)
	return nil
}
func (f *fullWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	f.hijacks++
	c, _ := net.Pipe()
	return c, bufio.NewReadWriter(bufio.NewReader(c), bufio.NewWriter(c)), nil
}

// The sixteen combinations of optional interfaces, each over a fullWriter.
type (
	plainRW struct{ http.ResponseWriter }
	rwF     struct {
		http.ResponseWriter
		http.Flusher
	}
	rwH struct {
		http.ResponseWriter
		http.Hijacker
	}
	rwFH struct {
		http.ResponseWriter
		http.Flusher
		http.Hijacker
	}
	rwR struct {
		http.ResponseWriter
		io.ReaderFrom
	}
	rwFR struct {
		http.ResponseWriter
		http.Flusher
		io.ReaderFrom
	}
	rwHR struct {
		http.ResponseWriter
		http.Hijacker
		io.ReaderFrom
	}
	rwFHR struct {
		http.ResponseWriter
		http.Flusher
		http.Hijacker
		io.ReaderFrom
	}
	rwP struct {
		http.ResponseWriter
		http.Pusher
	}
	rwFP struct {
		http.ResponseWriter
		http.Flusher
		http.Pusher
	}
	rwHP struct {
		http.ResponseWriter
		http.Hijacker
		http.Pusher
	}
	rwFHP struct {
		http.ResponseWriter
		http.Flusher
		http.Hijacker
		http.Pusher
	}
	rwRP struct {
		http.ResponseWriter
		io.ReaderFrom
		http.Pusher
	}
	rwFRP struct {
		http.ResponseWriter
		http.Flusher
		io.ReaderFrom
		http.Pusher
	}
	rwHRP struct {
		http.ResponseWriter
		http.Hijacker
		io.ReaderFrom
		http.Pusher
	}
)

// combination returns a writer over f with the optional interfaces named
// by letters (F flush, H hijack, R ReadFrom, P push).
func combination(letters string, f *fullWriter) http.ResponseWriter {
	switch letters {
	case "":
		return plainRW{f}
	case "F":
		return rwF{f, f}
	case "H":
		return rwH{f, f}
	case "FH":
		return rwFH{f, f, f}
	case "R":
		return rwR{f, f}
	case "FR":
		return rwFR{f, f, f}
	case "HR":
		return rwHR{f, f, f}
	case "FHR":
		return rwFHR{f, f, f, f}
	case "P":
		return rwP{f, f}
	case "FP":
		return rwFP{f, f, f}
	case "HP":
		return rwHP{f, f, f}
	case "FHP":
		return rwFHP{f, f, f, f}
	case "RP":
		return rwRP{f, f, f}
	case "FRP":
		return rwFRP{f, f, f, f}
	case "HRP":
		return rwHRP{f, f, f, f}
	case "FHRP":
		return f
	}
	panic("unknown combination " + letters)
}

// optionalSet names the optional interfaces rw has, in the order F H R P.
func optionalSet(rw http.ResponseWriter) string {
	var s string
	if _, ok := rw.(http.Flusher); ok {
		s += "F"
	}
	if _, ok := rw.(http.Hijacker); ok {
		s += "H"
	}
	if _, ok := rw.(io.ReaderFrom); ok {
		s += "R"
	}
	if _, ok := rw.(http.Pusher); ok {
		s += "P"
	}
	return s
}

var combinations = []string{"", "F", "H", "FH", "R", "FR", "HR", "FHR", "P", "FP", "HP", "FHP", "RP", "FRP", "HRP", "FHRP"}

// TestViewMirrorsWrappedWriter: for each of the sixteen combinations, the
// view has exactly the wrapped writer's optional interfaces, always Unwrap
// and WriteString, never CloseNotifier; each one it has reaches the
// wrapped writer.
func TestViewMirrorsWrappedWriter(t *testing.T) {
	for _, want := range combinations {
		t.Run("set="+want, func(t *testing.T) {
			f := newFull()
			under := combination(want, f)
			if got := optionalSet(under); got != want {
				t.Fatalf("test writer has %q, want %q", got, want)
			}
			var w Writer
			w.Reset(under, nil)
			v := w.ResponseWriter()
			if got := optionalSet(v); got != want {
				t.Errorf("view has %q, want %q", got, want)
			}
			if u, ok := v.(interface{ Unwrap() http.ResponseWriter }); !ok || u.Unwrap() != under {
				t.Errorf("Unwrap missing or not the wrapped writer")
			}
			if _, ok := v.(io.StringWriter); !ok {
				t.Errorf("WriteString missing")
			}
			//lint:ignore SA1019 asserting that the deprecated interface is absent
			if _, ok := v.(http.CloseNotifier); ok {
				t.Errorf("CloseNotifier present")
			}
			if fl, ok := v.(http.Flusher); ok {
				fl.Flush()
				if f.flushes != 1 {
					t.Errorf("Flush reached the writer %d times, want 1", f.flushes)
				}
			}
			if p, ok := v.(http.Pusher); ok {
				if err := p.Push("/app.js", nil); err != nil || !slices.Equal(f.pushes, []string{"/app.js"}) {
					t.Errorf("Push: err %v, pushed %q; want nil, [/app.js]", err, f.pushes)
				}
			}
			if rf, ok := v.(io.ReaderFrom); ok {
				if n, err := rf.ReadFrom(strings.NewReader("abc")); n != 3 || err != nil || f.reads != 1 {
					t.Errorf("ReadFrom = %d, %v with %d ReadFrom calls below; want 3, nil, 1", n, err, f.reads)
				}
			}
			if h, ok := v.(http.Hijacker); ok {
				c, _, err := h.Hijack()
				if err != nil || f.hijacks != 1 || !w.Hijacked() {
					t.Errorf("Hijack: err %v, %d hijacks below, Hijacked %v; want nil, 1, true", err, f.hijacks, w.Hijacked())
				}
				if c != nil {
					c.Close()
				}
			}
		})
	}
}

// unwrapOnly is a wrapper (of another package) that has Unwrap and
// nothing else.
type unwrapOnly struct{ http.ResponseWriter }

func (u unwrapOnly) Unwrap() http.ResponseWriter { return u.ResponseWriter }

// TestViewThroughUnwrap: below a wrapper that only has Unwrap, Flush and
// Hijack are still reachable (http.ResponseController finds them), so the
// view has them and records what they do; ReadFrom and Push are not
// (they are not reached through Unwrap).
func TestViewThroughUnwrap(t *testing.T) {
	f := newFull()
	var w Writer
	w.Reset(unwrapOnly{f}, nil)
	v := w.ResponseWriter()
	if got, want := optionalSet(v), "FH"; got != want {
		t.Fatalf("view has %q, want %q", got, want)
	}
	v.(http.Flusher).Flush()
	if f.flushes != 1 || w.Status() != http.StatusOK {
		t.Errorf("after Flush: %d flushes below, status %d; want 1, 200", f.flushes, w.Status())
	}
	var self selfUnwrap
	self.ResponseWriter = &self
	w.Reset(self, nil) // terminates
	if got := optionalSet(w.ResponseWriter()); got != "" {
		t.Errorf("view of a self-unwrapping writer has %q, want none", got)
	}
}

type selfUnwrap struct{ http.ResponseWriter }

func (s selfUnwrap) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// TestStatus runs sequences of calls and checks the recorded status, what
// reached the wrapped writer, and the byte count.
func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		name      string
		do        func(v http.ResponseWriter)
		status    int
		codes     []int // explicit WriteHeader calls below
		body      string
		committed bool // Started
	}{
		{"nothing", func(http.ResponseWriter) {}, 0, nil, "", false},
		{"200 and body", func(v http.ResponseWriter) { v.WriteHeader(200); io.WriteString(v, "ok") }, 200, []int{200}, "ok", true},
		{"write without header", func(v http.ResponseWriter) { v.Write([]byte("hi")) }, 200, nil, "hi", true},
		{"WriteString without header", func(v http.ResponseWriter) { v.(io.StringWriter).WriteString("hi") }, 200, nil, "hi", true},
		{"WriteHeader twice", func(v http.ResponseWriter) { v.WriteHeader(404); v.WriteHeader(200) }, 404, []int{404, 200}, "", true},
		{"103 then 200", func(v http.ResponseWriter) { v.WriteHeader(103); v.WriteHeader(200) }, 200, []int{103, 200}, "", true},
		{"100 then 403", func(v http.ResponseWriter) { v.WriteHeader(100); v.WriteHeader(403) }, 403, []int{100, 403}, "", true},
		{"103 only", func(v http.ResponseWriter) { v.WriteHeader(103) }, 0, []int{103}, "", false},
		{"103 then body", func(v http.ResponseWriter) { v.WriteHeader(103); v.Write([]byte("x")) }, 200, []int{103}, "x", true},
		{"101 is final", func(v http.ResponseWriter) { v.WriteHeader(101); v.WriteHeader(200) }, 101, []int{101, 200}, "", true},
		{"out of range code", func(v http.ResponseWriter) { v.WriteHeader(42) }, 0, []int{42}, "", false},
		{"flush first", func(v http.ResponseWriter) { v.(http.Flusher).Flush() }, 200, nil, "", true},
		{"ReadFrom", func(v http.ResponseWriter) { io.Copy(v, strings.NewReader("file")) }, 200, nil, "file", true},
		{"500 then body", func(v http.ResponseWriter) { v.WriteHeader(500); v.Write([]byte("no")) }, 500, []int{500}, "no", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFull()
			var w Writer
			w.Reset(f, nil)
			tc.do(w.ResponseWriter())
			if got := w.Status(); got != tc.status {
				t.Errorf("Status = %d, want %d", got, tc.status)
			}
			if !slices.Equal(f.codes, tc.codes) {
				t.Errorf("WriteHeader calls below = %v, want %v", f.codes, tc.codes)
			}
			if got := f.body.String(); got != tc.body {
				t.Errorf("body = %q, want %q", got, tc.body)
			}
			if got := w.Written(); got != int64(len(tc.body)) {
				t.Errorf("Written = %d, want %d", got, len(tc.body))
			}
			if got := w.Started(); got != tc.committed {
				t.Errorf("Started = %v, want %v", got, tc.committed)
			}
		})
	}
}

// cookieHook sets a cookie and counts its calls; with fail set it answers
// 503 itself and returns errReplaced.
type cookieHook struct {
	calls    int
	statuses []int
	fail     bool
}

var errReplaced = errors.New("replaced")

func (h *cookieHook) BeforeHeader(w http.ResponseWriter, status int) error {
	h.calls++
	h.statuses = append(h.statuses, status)
	if h.fail {
		w.Header().Del("Set-Cookie")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, "unavailable")
		return errReplaced
	}
	w.Header().Set("Set-Cookie", "id=1")
	return nil
}

// TestHook: the hook runs once, before the first final header (explicit
// or implicit), never for a 1xx; its header changes go out with that
// header.
func TestHook(t *testing.T) {
	for _, tc := range []struct {
		name     string
		do       func(v http.ResponseWriter, w *Writer)
		statuses []int
	}{
		{"WriteHeader", func(v http.ResponseWriter, _ *Writer) { v.WriteHeader(201); v.WriteHeader(202) }, []int{201}},
		{"Write", func(v http.ResponseWriter, _ *Writer) { v.Write([]byte("a")); v.Write([]byte("b")) }, []int{200}},
		{"103 then 204", func(v http.ResponseWriter, _ *Writer) { v.WriteHeader(103); v.WriteHeader(204) }, []int{204}},
		{"101", func(v http.ResponseWriter, _ *Writer) { v.WriteHeader(101) }, []int{101}},
		{"Flush", func(v http.ResponseWriter, _ *Writer) { v.(http.Flusher).Flush() }, []int{200}},
		{"ReadFrom", func(v http.ResponseWriter, _ *Writer) { v.(io.ReaderFrom).ReadFrom(strings.NewReader("x")) }, []int{200}},
		{"Finish after nothing", func(_ http.ResponseWriter, w *Writer) { w.Finish() }, []int{200}},
		{"Finish after a write", func(v http.ResponseWriter, w *Writer) { v.WriteHeader(404); w.Finish() }, []int{404}},
		{"Hijack", func(v http.ResponseWriter, w *Writer) {
			c, _, _ := v.(http.Hijacker).Hijack()
			c.Close()
			w.Finish()
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFull()
			var hook cookieHook
			var w Writer
			w.Reset(f, &hook)
			tc.do(w.ResponseWriter(), &w)
			if !slices.Equal(hook.statuses, tc.statuses) {
				t.Errorf("hook called with %v, want %v", hook.statuses, tc.statuses)
			}
			if got, want := f.header.Get("Set-Cookie") != "", len(tc.statuses) > 0; got != want {
				t.Errorf("cookie set = %v, want %v", got, want)
			}
		})
	}
}

// TestHookFailure: a hook that answers 503 itself replaces the response:
// the handler's header is dropped and every later write returns the
// hook's error; only the hook's answer reaches the wrapped writer.
func TestHookFailure(t *testing.T) {
	for _, tc := range []struct {
		name string
		do   func(v http.ResponseWriter) error
	}{
		{"WriteHeader then Write", func(v http.ResponseWriter) error {
			v.Header().Set("Location", "/secret")
			v.WriteHeader(302)
			_, err := v.Write([]byte("handler body"))
			return err
		}},
		{"Write", func(v http.ResponseWriter) error { _, err := v.Write([]byte("handler body")); return err }},
		{"WriteString", func(v http.ResponseWriter) error {
			_, err := v.(io.StringWriter).WriteString("handler body")
			return err
		}},
		{"ReadFrom", func(v http.ResponseWriter) error {
			_, err := v.(io.ReaderFrom).ReadFrom(strings.NewReader("handler body"))
			return err
		}},
		{"Flush", func(v http.ResponseWriter) error { return v.(interface{ FlushError() error }).FlushError() }},
		{"WriteHeader then Hijack", func(v http.ResponseWriter) error {
			v.WriteHeader(200)
			_, _, err := v.(http.Hijacker).Hijack()
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFull()
			hook := cookieHook{fail: true}
			var w Writer
			w.Reset(f, &hook)
			err := tc.do(w.ResponseWriter())
			if tc.name != "WriteHeader then Write" && !errors.Is(err, errReplaced) {
				t.Errorf("handler's write returned %v, want the hook's error", err)
			}
			if _, err := w.ResponseWriter().(io.StringWriter).WriteString("more"); !errors.Is(err, errReplaced) {
				t.Errorf("later write returned %v, want the hook's error", err)
			}
			if !slices.Equal(f.codes, []int{503}) {
				t.Errorf("WriteHeader calls below = %v, want [503]", f.codes)
			}
			if got := f.body.String(); got != "unavailable" {
				t.Errorf("body = %q, want only the hook's answer", got)
			}
			if f.hijacks != 0 {
				t.Errorf("the connection was hijacked after the hook answered")
			}
			if w.Status() != 503 || !errors.Is(w.Err(), errReplaced) || !errors.Is(w.Finish(), errReplaced) || hook.calls != 1 {
				t.Errorf("Status %d, Err %v, hook calls %d; want 503, the hook's error, 1", w.Status(), w.Err(), hook.calls)
			}
		})
	}
}

// TestHijacked: after a hijack the Writer says so, records no status, and
// counts as started.
func TestHijacked(t *testing.T) {
	var w Writer
	w.Reset(newFull(), nil)
	v := w.ResponseWriter()
	c, _, err := v.(http.Hijacker).Hijack()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	v.WriteHeader(500) // net/http refuses this on a hijacked connection
	if !w.Hijacked() || !w.Started() || w.Status() != 0 {
		t.Errorf("Hijacked %v, Started %v, Status %d; want true, true, 0", w.Hijacked(), w.Started(), w.Status())
	}
}

// TestLookup: a view whose response has not started gives its Writer; a
// started one, or any other writer, does not.
func TestLookup(t *testing.T) {
	var w Writer
	w.Reset(newFull(), nil)
	v := w.ResponseWriter()
	if got, ok := Lookup(v); !ok || got != &w {
		t.Errorf("Lookup(view) = %p, %v; want %p, true", got, ok, &w)
	}
	if _, ok := Lookup(newFull()); ok {
		t.Errorf("Lookup(other writer) found a Writer")
	}
	v.WriteHeader(204)
	if _, ok := Lookup(v); ok {
		t.Errorf("Lookup(started view) found a Writer")
	}
}

// TestResponseControllerThroughWriter: over a real connection, every
// http.ResponseController method works through the view (deadlines and
// full duplex through Unwrap), and the Writer records the flush.
func TestResponseControllerThroughWriter(t *testing.T) {
	errs := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var w Writer
		w.Reset(rw, nil)
		rc := http.NewResponseController(w.ResponseWriter())
		deadline := time.Now().Add(5 * time.Second)
		err := errors.Join(rc.SetReadDeadline(deadline), rc.SetWriteDeadline(deadline), rc.EnableFullDuplex())
		io.WriteString(w.ResponseWriter(), "streamed")
		err = errors.Join(err, rc.Flush())
		if w.Status() != 200 || w.Written() != 8 {
			err = errors.Join(err, errors.New("status or count not recorded"))
		}
		errs <- err
	}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := <-errs; err != nil {
		t.Errorf("ResponseController through the view: %v", err)
	}
	if string(body) != "streamed" {
		t.Errorf("body = %q, want %q", body, "streamed")
	}
}

// TestNoAllocation: readying a Writer and taking its view allocate
// nothing, whatever the wrapped writer's combination.
func TestNoAllocation(t *testing.T) {
	for _, set := range combinations {
		under := combination(set, newFull())
		var w Writer
		var sink http.ResponseWriter
		allocs := testing.AllocsPerRun(100, func() {
			w.Reset(under, nil)
			sink = w.ResponseWriter()
		})
		if allocs != 0 {
			t.Errorf("set %q: %v allocations, want 0", set, allocs)
		}
		if reflect.TypeOf(sink) == nil {
			t.Fatal("no view")
		}
	}
}

func BenchmarkWriter(b *testing.B) {
	under := newFull()
	body := []byte("ok")
	var w Writer
	b.ReportAllocs()
	for b.Loop() {
		under.body.Reset()
		under.codes = under.codes[:0]
		w.Reset(under, nil)
		v := w.ResponseWriter()
		v.WriteHeader(http.StatusOK)
		v.Write(body)
	}
}

// TestSize: a Writer fills one 48-byte size class, embedded or alone.
func TestSize(t *testing.T) {
	if got := reflect.TypeFor[Writer]().Size(); got != 48 {
		t.Errorf("Writer is %d bytes, want 48", got)
	}
}
