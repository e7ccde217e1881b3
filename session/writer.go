package session

import (
	"io"
	"net/http"
)

// responseWriter saves the session just before the response headers go
// out, so the cookie can still be set; when that save fails it answers 503
// instead of the handler's response. It keeps Flush working and exposes
// the underlying writer through Unwrap (for http.ResponseController).
type responseWriter struct {
	http.ResponseWriter
	s           *Session
	r           *http.Request
	wroteHeader bool
	failed      bool // the save failed and the response became a 503
}

func (w *responseWriter) WriteHeader(code int) {
	if w.wroteHeader {
		if !w.failed {
			w.ResponseWriter.WriteHeader(code) // let net/http report the superfluous call
		}
		return
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // informational: headers not final yet
		return
	}
	w.wroteHeader = true
	if err := w.s.save(w.ResponseWriter, true); err != nil {
		w.replace(err)
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

// replace answers 503 in place of the handler's response, dropping the
// headers the handler meant for that response.
func (w *responseWriter) replace(err error) {
	w.failed = true
	h := w.ResponseWriter.Header()
	for _, k := range []string{"Set-Cookie", "Location", "Content-Disposition", "Content-Range", "Etag", "Last-Modified", "Refresh"} {
		h.Del(k)
	}
	w.s.m.fail(w.ResponseWriter, w.r, "save", err)
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return 0, errReplaced
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps the underlying writer's io.ReaderFrom (sendfile) in use.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return 0, errReplaced
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, src)
}

type writerOnly struct{ io.Writer }

// Flush sends the headers (saving the session first) and flushes.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush reporting the underlying error; http.ResponseController
// prefers it.
func (w *responseWriter) FlushError() error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return errReplaced
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap returns the underlying writer, for http.ResponseController
// (Hijack, SetWriteDeadline, ...). A hijacked connection saves nothing.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish runs after the handler returned.
func (w *responseWriter) finish() {
	if w.failed {
		return
	}
	if !w.wroteHeader {
		// The handler wrote nothing: net/http will send 200 with these
		// headers, so the cookie can still be set.
		w.wroteHeader = true
		if err := w.s.save(w.ResponseWriter, true); err != nil {
			w.replace(err)
		}
		return
	}
	// Changes made after the response started: saved when they need no
	// new cookie, logged otherwise; a failure can only be logged.
	if err := w.s.save(w.ResponseWriter, false); err != nil {
		w.s.m.logStoreError("save", err)
	}
}
