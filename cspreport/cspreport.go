package cspreport

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/seclog"
)

// Config configures the endpoint [New] returns. The zero value is ready but
// for Log.
type Config struct {
	// Log records the violations. Required.
	Log *seclog.Logger `json:"-"`
	// MaxBodyBytes caps a report body. Default 16 KiB.
	MaxBodyBytes int64 `json:"max_body_bytes,omitempty"`
	// MaxReports caps the reports recorded from one body. Default 10.
	MaxReports int `json:"max_reports,omitempty"`
	// Rate is the most events recorded per minute. Default 60.
	Rate int `json:"rate,omitempty"`
	// DedupWindow is how long a recorded violation is not recorded again.
	// Default 10 minutes.
	DedupWindow time.Duration `json:"dedup_window,omitempty"`
	// MaxDedup caps the violations remembered for DedupWindow. Default 1024.
	MaxDedup int `json:"max_dedup,omitempty"`
	// Clock returns the current time. Default time.Now (a test hook).
	Clock func() time.Time `json:"-"`
}

// Errors.
var (
	// errNoLog and errBadConfig are New's refusals of a Config.
	errNoLog     = errors.New("cspreport: Config.Log is required")
	errBadConfig = errors.New("cspreport: a limit is negative")
	// errMalformed is returned by parse for a body that is not a report.
	errMalformed = errors.New("cspreport: malformed report")
	// errMediaType is returned by parse for another Content-Type.
	errMediaType = errors.New("cspreport: unsupported media type")
)

// violation is one CSP violation, as either format reports it.
type violation struct {
	Directive   string // the effective (or violated) directive
	BlockedURL  string // "inline", "eval", or a URL without query and fragment
	DocumentURL string // the page, without query and fragment
	SourceFile  string // without query and fragment
	Line        int
	Disposition string // "enforce" or "report"
}

// legacy is the report-uri body.
type legacy struct {
	Report *struct {
		DocumentURI        string `json:"document-uri"`
		ViolatedDirective  string `json:"violated-directive"`
		EffectiveDirective string `json:"effective-directive"`
		BlockedURI         string `json:"blocked-uri"`
		SourceFile         string `json:"source-file"`
		LineNumber         int    `json:"line-number"`
		Disposition        string `json:"disposition"`
	} `json:"csp-report"`
}

// apiReport is one report of the Reporting API.
type apiReport struct {
	Type string `json:"type"`
	Body struct {
		DocumentURL        string `json:"documentURL"`
		BlockedURL         string `json:"blockedURL"`
		EffectiveDirective string `json:"effectiveDirective"`
		SourceFile         string `json:"sourceFile"`
		LineNumber         int    `json:"lineNumber"`
		Disposition        string `json:"disposition"`
	} `json:"body"`
}

// parse reads the violations of a report body of Content-Type ct: at most
// max of them (max ≤ 0: all). Reports of other types in a Reporting API
// list are skipped.
func parse(ct string, body []byte, max int) ([]violation, error) {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil, errMediaType
	}
	var out []violation
	switch mt {
	case "application/csp-report", "application/json":
		var l legacy
		if err := json.Unmarshal(body, &l); err != nil || l.Report == nil {
			return nil, errMalformed
		}
		d := l.Report.EffectiveDirective
		if d == "" {
			d = l.Report.ViolatedDirective
		}
		out = append(out, violation{Directive: d, BlockedURL: cleanURL(l.Report.BlockedURI),
			DocumentURL: cleanURL(l.Report.DocumentURI), SourceFile: cleanURL(l.Report.SourceFile),
			Line: l.Report.LineNumber, Disposition: l.Report.Disposition})
	case "application/reports+json":
		var list []apiReport
		if err := json.Unmarshal(body, &list); err != nil {
			return nil, errMalformed
		}
		for _, r := range list {
			if r.Type != "csp-violation" {
				continue
			}
			if max > 0 && len(out) == max {
				break
			}
			b := r.Body
			out = append(out, violation{Directive: b.EffectiveDirective, BlockedURL: cleanURL(b.BlockedURL),
				DocumentURL: cleanURL(b.DocumentURL), SourceFile: cleanURL(b.SourceFile),
				Line: b.LineNumber, Disposition: b.Disposition})
		}
	default:
		return nil, errMediaType
	}
	return out, nil
}

// cleanURL drops the query, fragment and credentials of a URL (tokens
// travel there); keywords such as "inline" and "eval" pass unchanged.
func cleanURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	if u.Scheme == "" && u.Host == "" {
		return u.Path // "inline", "eval", "self" or a path
	}
	u.RawQuery, u.Fragment, u.RawFragment, u.User, u.ForceQuery = "", "", "", nil, false
	return u.String()
}

// handler is the report endpoint.
type handler struct {
	cfg Config

	mu      sync.Mutex
	seen    map[violation]time.Time // recorded at
	window  time.Time               // start of the rate window
	inRate  int                     // events recorded in the window
	dropped int                     // reports not recorded for the rate, since the last event
}

// New returns the report endpoint configured by cfg, an http.Handler safe
// for concurrent use.
func New(cfg Config) (http.Handler, error) {
	if cfg.Log == nil {
		return nil, errNoLog
	}
	if cfg.MaxBodyBytes < 0 || cfg.MaxReports < 0 || cfg.Rate < 0 || cfg.DedupWindow < 0 || cfg.MaxDedup < 0 {
		return nil, errBadConfig
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 16 << 10
	}
	if cfg.MaxReports == 0 {
		cfg.MaxReports = 10
	}
	if cfg.Rate == 0 {
		cfg.Rate = 60
	}
	if cfg.DedupWindow == 0 {
		cfg.DedupWindow = 10 * time.Minute
	}
	if cfg.MaxDedup == 0 {
		cfg.MaxDedup = 1024
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return &handler{cfg: cfg, seen: map[violation]time.Time{}}, nil
}

// ServeHTTP reads one report body and records its new violations.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if r.ContentLength > h.cfg.MaxBodyBytes {
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	var buf bytes.Buffer
	// One byte over the cap tells an oversized chunked body from a full one.
	n, err := io.Copy(&buf, io.LimitReader(r.Body, h.cfg.MaxBodyBytes+1))
	if n > h.cfg.MaxBodyBytes {
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		return
	}
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	vs, err := parse(r.Header.Get("Content-Type"), buf.Bytes(), h.cfg.MaxReports)
	switch {
	case errors.Is(err, errMediaType):
		w.WriteHeader(http.StatusUnsupportedMediaType)
		return
	case err != nil:
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	for _, v := range vs {
		if dropped, ok := h.admit(v); ok {
			h.record(r, v, dropped)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// admit decides whether v is recorded: not seen in the dedup window, and
// within the rate. It returns the reports dropped for the rate since the
// last recorded one.
func (h *handler) admit(v violation) (int, bool) {
	now := h.cfg.Clock()
	h.mu.Lock()
	defer h.mu.Unlock()
	if at, ok := h.seen[v]; ok && now.Sub(at) < h.cfg.DedupWindow {
		return 0, false
	}
	if now.Sub(h.window) >= time.Minute {
		h.window, h.inRate = now, 0
	}
	if h.inRate >= h.cfg.Rate {
		h.dropped++
		return 0, false
	}
	h.inRate++
	if len(h.seen) >= h.cfg.MaxDedup {
		// Bounded memory: expired entries go first; if none has expired,
		// the memory starts afresh (a flood of distinct forged reports
		// is capped by the rate anyway).
		for k, at := range h.seen {
			if now.Sub(at) >= h.cfg.DedupWindow {
				delete(h.seen, k)
			}
		}
		if len(h.seen) >= h.cfg.MaxDedup {
			clear(h.seen)
		}
	}
	h.seen[v] = now
	d := h.dropped
	h.dropped = 0
	return d, true
}

func (h *handler) record(r *http.Request, v violation, dropped int) {
	details := []slog.Attr{
		slog.String("directive", v.Directive),
		slog.String("blocked_url", v.BlockedURL),
		slog.String("document_url", v.DocumentURL),
	}
	if v.SourceFile != "" {
		details = append(details, slog.String("source_file", v.SourceFile), slog.String("line", strconv.Itoa(v.Line)))
	}
	if v.Disposition != "" {
		details = append(details, slog.String("disposition", v.Disposition))
	}
	if dropped > 0 {
		details = append(details, slog.Int("dropped_before", dropped))
	}
	h.cfg.Log.Record(r, seclog.Event{Name: secevent.CSPViolation, Details: details})
}
