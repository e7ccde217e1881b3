package statuswriter

//go:generate go run gen_views.go

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// HeaderHook is called once, just before the response's final header goes
// out: on the first final WriteHeader, or on the first Write, WriteString,
// ReadFrom or Flush without one (status 200), or from [Writer.Finish]. A
// layer uses it to add what must travel with the header, such as a cookie.
type HeaderHook interface {
	// BeforeHeader may change w.Header(). w writes to the wrapped writer
	// and records what it writes, without calling the hook again. If
	// BeforeHeader returns an error, it must have answered the request
	// through w (a 503, say): the handler's header is dropped, and the
	// handler's later writes return the error.
	BeforeHeader(w http.ResponseWriter, status int) error
}

// The kind bits: which optional interfaces a Writer's view has.
const (
	canFlush uint8 = 1 << iota
	canHijack
	canReadFrom
	canPush
)

// Writer records the status and the body bytes of the response written
// through it, and whether its connection was hijacked. Embed it by value
// in a per-request value, ready it with [Writer.Reset], and pass
// [Writer.ResponseWriter] to the next handler. It is not safe for
// concurrent use, like the http.ResponseWriter it wraps.
type Writer struct {
	rw http.ResponseWriter
	// hook is the HeaderHook, or nil; once the hook has answered in the
	// handler's place (replaced), its error. One field for both keeps a
	// Writer at 48 bytes, which is what every layer allocates or embeds
	// per request.
	hook     any
	written  int64
	status   int32 // the first final status; 0 until the response starts
	kind     uint8
	hooked   bool // the hook has been called
	hijacked bool
	replaced bool // the hook answered in the handler's place
}

// Reset makes w a fresh wrapper of rw, with hook (or none, if nil).
func (w *Writer) Reset(rw http.ResponseWriter, hook HeaderHook) {
	*w = Writer{rw: rw, kind: kindOf(rw)}
	if hook != nil {
		w.hook = hook
	}
}

// ResponseWriter returns w as the http.ResponseWriter to hand to the next
// handler: it has Flush, Hijack, Push and ReadFrom exactly as the package
// documentation says, and Unwrap. It does not allocate.
func (w *Writer) ResponseWriter() http.ResponseWriter { return w.view() }

// Lookup returns the Writer behind rw when rw is one of this package's
// views (as [Writer.ResponseWriter] returns) and its response has not
// started. A layer that only needs the status of what the handlers inside
// it write can read it there instead of wrapping rw again: since nothing
// was written before the layer ran, the first final status the Writer
// records afterwards is the inner handlers'. Writers found this way must
// not be Reset.
func Lookup(rw http.ResponseWriter) (*Writer, bool) {
	v, ok := rw.(interface{ writer() *Writer })
	if !ok {
		return nil, false
	}
	w := v.writer()
	if w.Started() {
		return nil, false
	}
	return w, true
}

func (w *Writer) writer() *Writer { return w }

// Status returns the first final status written: 0 while none was, 200
// after a body write without WriteHeader, 101 for an upgrade announced
// with WriteHeader. 1xx informational statuses are not recorded.
func (w *Writer) Status() int { return int(w.status) }

// Written returns the number of body bytes written through w.
func (w *Writer) Written() int64 { return w.written }

// Hijacked reports whether the handler took over the connection.
func (w *Writer) Hijacked() bool { return w.hijacked }

// Started reports whether the response is out of the layer's hands: a
// final status was written, the connection was hijacked, or the hook
// answered in the handler's place.
func (w *Writer) Started() bool { return w.status != 0 || w.hijacked || w.replaced }

// Err returns the error of the hook that answered in the handler's place,
// or nil.
func (w *Writer) Err() error {
	if !w.replaced {
		return nil
	}
	return w.hook.(error)
}

// Finish is for a layer with a hook to call once its handler has returned.
// If nothing was written, net/http will send 200 with the header as it is
// then, so Finish calls the hook now, while the header can still change;
// it writes nothing itself unless the hook answers in the handler's place.
// It returns the hook's error, if the hook ever failed.
func (w *Writer) Finish() error {
	if !w.Started() {
		w.callHook(http.StatusOK)
	}
	return w.Err()
}

// Header returns the wrapped writer's header map.
func (w *Writer) Header() http.Header { return w.rw.Header() }

// WriteHeader records code if it is the first final status, calling the
// hook first, and writes it.
func (w *Writer) WriteHeader(code int) {
	if w.replaced {
		return // the hook answered instead; this header must not follow
	}
	// 1xx other than 101 are interim: the final status is still to come.
	// Out-of-range codes go through unrecorded, for net/http to refuse.
	final := code == http.StatusSwitchingProtocols || code >= 200 && code <= 999
	if final && w.status == 0 && !w.hijacked {
		if !w.callHook(code) {
			return
		}
		w.status = int32(code) // #nosec G115 -- code is checked to be at most 999 above
	}
	w.rw.WriteHeader(code)
}

// begin records the implicit 200 of a body write, calling the hook first,
// and returns the hook's error. The wrapped writer's WriteHeader is not
// called: it makes the implicit 200 itself, sniffing the Content-Type
// from the body.
func (w *Writer) begin() error {
	if w.status == 0 && !w.hijacked && !w.replaced && w.callHook(http.StatusOK) && w.status == 0 {
		w.status = http.StatusOK
	}
	return w.Err()
}

// callHook calls the hook for status unless it has been called, and
// reports whether the handler's response may go on.
func (w *Writer) callHook(status int) bool {
	if w.hook == nil || w.hooked {
		return !w.replaced
	}
	w.hooked = true
	if err := w.hook.(HeaderHook).BeforeHeader(w, status); err != nil {
		w.hook, w.replaced = err, true
		return false
	}
	return true
}

// Write writes p, after the hook for an implicit 200.
func (w *Writer) Write(p []byte) (int, error) {
	if err := w.begin(); err != nil {
		return 0, err
	}
	n, err := w.rw.Write(p)
	w.written += int64(n)
	return n, err
}

// WriteString writes s without converting it to a byte slice when the
// wrapped writer has WriteString (net/http's does).
func (w *Writer) WriteString(s string) (int, error) {
	if err := w.begin(); err != nil {
		return 0, err
	}
	n, err := io.WriteString(w.rw, s)
	w.written += int64(n)
	return n, err
}

// Unwrap returns the wrapped writer, for http.ResponseController
// (deadlines, full duplex).
func (w *Writer) Unwrap() http.ResponseWriter { return w.rw }

func (w *Writer) flush() error {
	if err := w.begin(); err != nil {
		return err
	}
	return http.NewResponseController(w.rw).Flush()
}

func (w *Writer) hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.replaced {
		return nil, nil, w.Err()
	}
	c, brw, err := http.NewResponseController(w.rw).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return c, brw, err
}

// readFrom keeps the wrapped writer's ReadFrom (sendfile) for io.Copy.
func (w *Writer) readFrom(src io.Reader) (int64, error) {
	if err := w.begin(); err != nil {
		return 0, err
	}
	n, err := w.rw.(io.ReaderFrom).ReadFrom(src)
	w.written += n
	return n, err
}

func (w *Writer) push(target string, opts *http.PushOptions) error {
	return w.rw.(http.Pusher).Push(target, opts)
}

// maxUnwrap bounds the walk down a chain of Unwrap methods, against a
// writer that unwraps to itself.
const maxUnwrap = 64

// kindOf returns which optional interfaces a view of rw has: Flush and
// Hijack when http.ResponseController would find them through rw, Push
// and ReadFrom when rw itself has them.
func kindOf(rw http.ResponseWriter) uint8 {
	var k uint8
	for i, u := 0, rw; i < maxUnwrap && u != nil && k&(canFlush|canHijack) != canFlush|canHijack; i++ {
		switch u.(type) {
		case interface{ FlushError() error }, http.Flusher:
			k |= canFlush
		}
		if _, ok := u.(http.Hijacker); ok {
			k |= canHijack
		}
		uw, ok := u.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		u = uw.Unwrap()
	}
	if _, ok := rw.(io.ReaderFrom); ok {
		k |= canReadFrom
	}
	if _, ok := rw.(http.Pusher); ok {
		k |= canPush
	}
	return k
}
