package input

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"sync"
)

// defaultMaxBytes is the default cap on a request body: 10 KiB, as
// express.json's "10kb".
const defaultMaxBytes = 10 << 10

// BodyLimitConfig configures [BodyLimit], the stack-wide body layer.
type BodyLimitConfig struct {
	// MaxBytes caps every request body. Default 10 KiB.
	MaxBytes int64 `json:"max_bytes,omitempty" yaml:"max_bytes,omitempty"`
	// Routes sets a different cap for requests that match a ServeMux
	// pattern, for example {"POST /api/avatar": 5 << 20}. A request that
	// matches no pattern gets MaxBytes. Matching follows http.ServeMux
	// (most specific pattern wins).
	Routes map[string]int64 `json:"routes,omitempty" yaml:"routes,omitempty"`
	// Types lists the media types a request body may have (parameters such
	// as charset are ignored here). Default: application/json,
	// application/x-www-form-urlencoded and multipart/form-data. A body
	// with another type, or none, is refused with 415.
	Types []string `json:"types,omitempty" yaml:"types,omitempty"`
}

// defaultBodyTypes are the media types a [BodyLimit] accepts by default.
var defaultBodyTypes = []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}

// BodyLimit refuses request bodies that are too large (413) or of a type
// that is not accepted (415), before any handler reads them.
//
// The size is checked twice: from Content-Length before anything is read,
// and while reading through http.MaxBytesReader, which covers chunked
// bodies and lying lengths. A handler that reads past the cap gets an
// *http.MaxBytesError; [Reject] (and every decoder of this package) answers
// it with 413, and net/http closes the connection after the response.
//
// Requests without a body (GET, or any request with Content-Length 0) pass
// untouched.
type BodyLimit struct {
	max    int64
	types  map[string]bool
	routes *http.ServeMux
	limits map[string]int64
}

// NewBodyLimit returns a BodyLimit for cfg, or an error naming what is
// wrong with it (a negative size, a bad pattern or media type).
func NewBodyLimit(cfg BodyLimitConfig) (*BodyLimit, error) {
	l := &BodyLimit{max: cfg.MaxBytes, types: map[string]bool{}}
	if l.max < 0 {
		return nil, fmt.Errorf("input: BodyLimitConfig.MaxBytes is negative (%d)", l.max)
	}
	if l.max == 0 {
		l.max = defaultMaxBytes
	}
	types := cfg.Types
	if len(types) == 0 {
		types = defaultBodyTypes
	}
	for _, t := range types {
		mt, _, err := mime.ParseMediaType(t)
		if err != nil || strings.HasSuffix(mt, "/*") || mt == "*/*" {
			return nil, fmt.Errorf("input: BodyLimitConfig.Types: %q is not a media type", t)
		}
		l.types[mt] = true
	}
	if len(cfg.Routes) > 0 {
		l.routes = http.NewServeMux()
		l.limits = map[string]int64{}
		for pattern, n := range cfg.Routes {
			if n <= 0 {
				return nil, fmt.Errorf("input: BodyLimitConfig.Routes[%q] must be positive (%d)", pattern, n)
			}
			if err := handlePattern(l.routes, pattern); err != nil {
				return nil, fmt.Errorf("input: BodyLimitConfig.Routes: %w", err)
			}
			l.limits[pattern] = n
		}
	}
	return l, nil
}

func handlePattern(mux *http.ServeMux, pattern string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("bad pattern %q: %v", pattern, p)
		}
	}()
	mux.Handle(pattern, http.NotFoundHandler())
	return nil
}

// routeLimit returns the cap that applies to r.
func (l *BodyLimit) routeLimit(r *http.Request) int64 {
	if l.routes != nil {
		if _, pattern := l.routes.Handler(r); pattern != "" {
			if n, ok := l.limits[pattern]; ok {
				return n
			}
		}
	}
	return l.max
}

// check reports whether r's body may be read, with the cap for r (0
// without a body): nil, [ErrBodyTooLarge] when its declared length is over
// the cap, or [ErrUnsupportedMediaType].
func (l *BodyLimit) check(r *http.Request) (int64, error) {
	if !hasBody(r) {
		return 0, nil
	}
	limit := l.routeLimit(r)
	if r.ContentLength > limit {
		return 0, ErrBodyTooLarge
	}
	if !l.types[mediaType(r.Header.Get("Content-Type"))] {
		return 0, ErrUnsupportedMediaType
	}
	return limit, nil
}

// Handler refuses a body whose declared length is over the cap (413) or
// whose type is not accepted (415), and caps the body of every other
// request with http.MaxBytesReader.
func (l *BodyLimit) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, err := l.check(r)
		if err != nil {
			Reject(w, r, err)
			return
		}
		if limit > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// hasBody reports whether r carries a body.
func hasBody(r *http.Request) bool {
	return r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
}

// mediaType returns the lower-cased media type of a Content-Type value, or
// "" when it does not parse.
func mediaType(ct string) string {
	// Fast path for the common exact forms.
	switch ct {
	case "application/json", "application/x-www-form-urlencoded":
		return ct
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	return mt
}

// typeAllowed reports whether the Content-Type ct names a media type in
// types and, if it gives a charset, UTF-8.
func typeAllowed(ct string, types map[string]bool) bool {
	switch ct {
	case "application/json", "application/json; charset=utf-8", "application/json;charset=utf-8",
		"application/x-www-form-urlencoded":
		return types[strings.SplitN(ct, ";", 2)[0]]
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || !types[mt] {
		return false
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return false
	}
	return true
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readBody reads r's body, at most max bytes, into a pooled buffer that the
// caller returns with putBuffer. It refuses a declared length over max
// before reading.
func readBody(w http.ResponseWriter, r *http.Request, max int64) (*bytes.Buffer, error) {
	if r.ContentLength > max {
		return nil, ErrBodyTooLarge
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	if r.Body == nil || r.Body == http.NoBody {
		return buf, nil
	}
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + bytes.MinRead) // room to see EOF without growing
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		putBuffer(buf)
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, ErrBodyTooLarge
		}
		return nil, errBodyRead
	}
	return buf, nil
}

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= 64<<10 {
		bufPool.Put(b)
	}
}
