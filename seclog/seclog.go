package seclog

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/internal/reqctx"
	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/respond"
)

// Names of the events an application records itself. They are plain
// strings so that they fit [respond.Rejection.Event]. The events harden's
// layers record (rate_limited, csrf_failure, panic, ...) are listed in the
// package documentation; an application may also record names of its own.
const (
	EventLoginSuccess       = "login_success"
	EventLoginFailed        = "login_failed"
	EventLogout             = "logout"
	EventSessionRegenerated = "session_regenerated"
	// EventAccessDenied is every 401 and 403 that no more specific event
	// (csrf_failure, cors_rejected, host_rejected) describes.
	EventAccessDenied = secevent.AccessDenied
	// EventSSRFBlocked is an outbound request that the ssrf package
	// refused to make.
	EventSSRFBlocked = "ssrf_blocked"
)

// eventForStatus names the event of a refusal whose Rejection.Event is
// empty: 401/403 access_denied, 429 rate_limited, 400/411/413/414/415/422/431
// validation_failed, other 4xx request_rejected, 5xx server_error.
func eventForStatus(status int) string {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return EventAccessDenied
	case status == http.StatusTooManyRequests:
		return secevent.RateLimited
	case status == http.StatusBadRequest, status == http.StatusLengthRequired,
		status == http.StatusRequestEntityTooLarge, status == http.StatusRequestURITooLong,
		status == http.StatusUnsupportedMediaType, status == http.StatusUnprocessableEntity,
		status == http.StatusRequestHeaderFieldsTooLarge:
		return secevent.ValidationFailed
	case status >= 500:
		return secevent.ServerError
	default:
		return secevent.RequestRejected
	}
}

// successEvents are the events whose success field is true.
func isSuccessEvent(name string) bool {
	switch name {
	case EventLoginSuccess, EventLogout, EventSessionRegenerated:
		return true
	}
	return false
}

// defaultLevel is the level of an event whose Event.Level is nil.
func defaultLevel(name string, success bool) slog.Level {
	switch {
	case name == secevent.Panic || name == secevent.ServerError:
		return slog.LevelError
	case success:
		return slog.LevelInfo
	default:
		return slog.LevelWarn
	}
}

// Config configures a [Logger]. The zero value logs to stderr at level INFO
// with the default redaction.
type Config struct {
	// Path is the file the events are appended to (created with FileMode if
	// missing). Empty means stderr. harden serve reads it from
	// HARDEN_SECURITY_LOG.
	Path string `json:"path,omitempty" yaml:"path,omitempty"`
	// Service is the value of the "service" field. Default: the base name
	// of the executable.
	Service string `json:"service,omitempty" yaml:"service,omitempty"`
	// Level is the lowest level written. Default INFO (every event).
	Level slog.Level `json:"level,omitempty" yaml:"level,omitempty"`
	// MaxValueLen caps every string value (and key) in bytes; longer ones
	// are cut at a rune boundary and marked "…[truncated]". Default 1024.
	// A string under the key "stack" (the panic event's stack trace) has
	// its own cap of 16 KiB (or MaxValueLen if larger).
	MaxValueLen int `json:"max_value_len,omitempty" yaml:"max_value_len,omitempty"`
	// RedactKeys adds key fragments to mask, on top of the built-in ones
	// (password, passwd, passphrase, pwd, secret, token, cookie,
	// authorization, apikey, privatekey, credential, sessionid, csrf, xsrf,
	// signature, bearer; and the exact keys auth, jwt, otp, pin, sid).
	// Matching ignores case and the separators "-", "_", "." and space.
	RedactKeys []string `json:"redact_keys,omitempty" yaml:"redact_keys,omitempty"`
	// FileMode is the mode of a log file created by the logger. Default 0600.
	FileMode fs.FileMode `json:"file_mode,omitempty" yaml:"file_mode,omitempty"`

	// Writer, when set, receives the events instead of Path or stderr
	// (tests, a custom transport). It must not be set together with Path.
	// Each event is one Write call of one line.
	Writer io.Writer `json:"-" yaml:"-"`
	// Clock returns the time of an event. Default time.Now. (A hook for
	// golden tests.)
	Clock func() time.Time `json:"-" yaml:"-"`
	// ClientIP returns the client address of a request. Default: the
	// address clientip.Get reports. The harden stack passes its resolver
	// here, so that the address is right even where the seclog middleware
	// runs before the client-IP layer.
	ClientIP func(*http.Request) netip.Addr `json:"-" yaml:"-"`
	// UserID returns the authenticated user of a request, "" for none. It
	// is consulted when neither the event nor [SetUserID] gave one.
	UserID func(*http.Request) string `json:"-" yaml:"-"`
	// Observer, when set, is told of every event, whatever Level filters
	// out of the log (metrics count refusals through it). Default: none.
	Observer Observer `json:"-" yaml:"-"`
}

// An Observer is told of each event a [Logger] records: every refusal of
// every layer passes the Logger (see the package documentation), so an
// Observer sees each one exactly once. ObserveEvent is called before the
// event is written, on the request's goroutine; it must be safe for
// concurrent use and return quickly. r is nil for an event outside a
// request. It must not keep r, and should read only r.Pattern from it
// (never the raw path or client address: they are unbounded).
type Observer interface {
	ObserveEvent(r *http.Request, name string, status int)
}

// A WriteErrorObserver is an [Observer] that is also told of each failed
// write to the log's sink (a full disk, a closed pipe): the event is
// dropped, never the request, so this is how the loss becomes visible.
// The [Logger] detects it on Config.Observer. ObserveWriteError is called
// once per failed write, under the sink's lock; it must return quickly
// and must not log through the same Logger.
type WriteErrorObserver interface {
	ObserveWriteError(err error)
}

// ErrInvalidConfig matches every configuration error of [New].
var ErrInvalidConfig = errors.New("seclog: invalid config")

// errPathAndWriter is New's error for a Config with both sinks. Its text
// is its own; it matches ErrInvalidConfig.
var errPathAndWriter error = configError("seclog: Config.Path and Config.Writer are both set")

// configError is a configuration error whose text stands alone; it
// matches ErrInvalidConfig.
type configError string

func (e configError) Error() string { return string(e) }

// Is reports whether target is ErrInvalidConfig.
func (e configError) Is(target error) bool { return target == ErrInvalidConfig }

// A Logger writes security events. A nil *Logger is valid and drops every
// event, so a layer can hold an optional one.
type Logger struct {
	sink     *sink
	handler  slog.Handler
	slog     *slog.Logger
	red      *redactor
	clock    func() time.Time
	clientIP func(*http.Request) netip.Addr
	userID   func(*http.Request) string
	service  string
	level    slog.Level
	observer Observer

	// wrapped caches the Responder wrappers of the two JSON responders, so
	// that the middleware does not allocate one per request.
	jsonProd, jsonDev respond.Responder
}

// New validates cfg and opens the sink.
func New(cfg Config) (*Logger, error) {
	if cfg.Path != "" && cfg.Writer != nil {
		return nil, errPathAndWriter
	}
	if cfg.MaxValueLen < 0 {
		return nil, errors.Join(ErrInvalidConfig, errors.New("seclog: MaxValueLen is negative"))
	}
	if cfg.MaxValueLen == 0 {
		cfg.MaxValueLen = 1024
	}
	if cfg.MaxValueLen < 16 {
		return nil, errors.Join(ErrInvalidConfig, errors.New("seclog: MaxValueLen below 16"))
	}
	red, err := newRedactor(cfg.RedactKeys, cfg.MaxValueLen)
	if err != nil {
		return nil, err
	}
	if cfg.FileMode == 0 {
		cfg.FileMode = 0o600
	}
	if cfg.Service == "" {
		cfg.Service = filepath.Base(os.Args[0])
	}
	var s *sink
	switch {
	case cfg.Writer != nil:
		s = &sink{w: cfg.Writer}
	case cfg.Path != "":
		s = &sink{path: cfg.Path, mode: cfg.FileMode}
		if err := s.open(); err != nil {
			return nil, err
		}
	default:
		s = &sink{w: os.Stderr}
	}
	if wo, ok := cfg.Observer.(WriteErrorObserver); ok {
		s.onError = wo.ObserveWriteError
	}
	l := &Logger{
		sink:     s,
		red:      red,
		clock:    cfg.Clock,
		clientIP: cfg.ClientIP,
		userID:   cfg.UserID,
		service:  red.capString(cfg.Service),
		level:    cfg.Level,
		observer: cfg.Observer,
	}
	if l.clock == nil {
		l.clock = time.Now
	}
	if l.clientIP == nil {
		l.clientIP = func(r *http.Request) netip.Addr { return clientip.Get(r).Addr }
	}
	l.handler = slog.NewJSONHandler(s, &slog.HandlerOptions{
		Level:       cfg.Level,
		ReplaceAttr: red.replaceAttr,
	})
	l.slog = slog.New(l.handler)
	l.jsonProd = &responder{inner: respond.JSON{}, l: l}
	l.jsonDev = &responder{inner: respond.JSON{Development: true}, l: l}
	return l, nil
}

// Slog returns a [slog.Logger] on the redacting JSON handler behind l, for
// code that wants to log other things to the security log. The message
// becomes the "event" field.
func (l *Logger) Slog() *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l.slog
}

// Close closes the log file (not stderr or Config.Writer). Events logged
// after Close are dropped.
func (l *Logger) Close() error {
	if l == nil {
		return nil
	}
	return l.sink.close()
}

// Reopen closes and reopens the log file by its path, so that after
// logrotate renamed it, events go to a new file of the same name. If the
// new file cannot be opened, the logger keeps writing to the old one and
// Reopen returns the error. It does nothing when the sink is not a file.
func (l *Logger) Reopen() error {
	if l == nil {
		return nil
	}
	return l.sink.reopen()
}

// Event is one security event. The request fields (ip, user agent, method,
// path, request id) come from the request passed to [Logger.Record].
type Event struct {
	// Name is the event: an Event* constant, a name of the package
	// documentation's table, or one of the application's own.
	Name string
	// Success is the success field. It is forced to true for
	// login_success, logout and session_regenerated.
	Success bool
	// Level overrides the level: nil means INFO for successes, ERROR for
	// panic and server_error, WARN for the rest.
	Level slog.Leveler
	// UserID is the user the event is about. Empty: the one set by
	// [SetUserID], else Config.UserID(r).
	UserID string
	// Status is the HTTP status answered, 0 if none.
	Status int
	// Err is an internal cause, logged as details.error: its LogValue when
	// it (or an error it wraps) is a [slog.LogValuer], else its text.
	Err error
	// Details are event-specific fields, redacted (see [Config.RedactKeys]).
	Details []slog.Attr
}

// Record logs e about request r. r may be nil.
func (l *Logger) Record(r *http.Request, e Event) {
	if l == nil {
		return
	}
	var ctx context.Context = context.Background()
	if r != nil {
		ctx = r.Context()
	}
	l.emit(ctx, r, &e)
}

// Log logs e outside any request (start-up warnings, background jobs). The
// request id and user id are taken from ctx when present.
func (l *Logger) Log(ctx context.Context, e Event) {
	if l == nil {
		return
	}
	if ctx == nil {
		ctx = context.Background()
	}
	l.emit(ctx, nil, &e)
}

func (l *Logger) emit(ctx context.Context, r *http.Request, e *Event) {
	if l.observer != nil {
		l.observer.ObserveEvent(r, e.Name, e.Status)
	}
	success := e.Success || isSuccessEvent(e.Name)
	var level slog.Level
	if e.Level != nil {
		level = e.Level.Level()
	} else {
		level = defaultLevel(e.Name, success)
	}
	if level < l.level {
		return
	}
	st := reqctx.From(ctx)
	uid := e.UserID
	if uid == "" && st != nil {
		uid = st.UserID()
	}
	if r != nil && uid == "" && l.userID != nil {
		uid = l.userID(r)
	}

	bp := bufPool.Get().(*[]byte)
	b := (*bp)[:0]
	b = append(b, `{"time":`...)
	b = appendTime(b, l.clock())
	b = append(b, `,"level":`...)
	b = appendString(b, level.String())
	b = append(b, `,"event":`...)
	b = appendString(b, l.red.capString(e.Name))
	b = append(b, `,"success":`...)
	b = strconv.AppendBool(b, success)
	b = append(b, `,"ip":`...)
	if r != nil {
		b = appendAddr(b, l.clientIP(r))
		b = append(b, `,"user_agent":`...)
		b = appendString(b, l.red.capString(r.UserAgent()))
		b = append(b, `,"user_id":`...)
		b = appendString(b, l.red.capString(uid))
		b = append(b, `,"method":`...)
		b = appendString(b, l.red.capString(r.Method))
		b = append(b, `,"path":`...)
		path := ""
		if r.URL != nil {
			path = r.URL.Path
		}
		b = appendString(b, l.red.capString(path))
	} else {
		b = append(b, `"","user_agent":"","user_id":`...)
		b = appendString(b, l.red.capString(uid))
		b = append(b, `,"method":"","path":""`...)
	}
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, `,"request_id":`...)
	if r != nil {
		b = appendString(b, l.red.capString(respond.RequestID(r)))
	} else {
		b = appendString(b, l.red.capString(requestIDFromContext(ctx)))
	}
	b = append(b, `,"service":`...)
	b = appendString(b, l.service)
	b = append(b, `,"details":{`...)
	first := true
	b, first = l.red.appendAttrs(b, e.Details, "", 0, first)
	if e.Err != nil {
		b, _ = l.red.appendAttrs(b, []slog.Attr{errorAttr(e.Err)}, "", 0, first)
	}
	b = append(b, "}}\n"...)
	_, _ = l.sink.Write(b)
	if cap(b) <= maxPooledBuf {
		*bp = b
		bufPool.Put(bp)
	}
}

// errorAttr describes err for details.error.
func errorAttr(err error) slog.Attr {
	var lv slog.LogValuer
	if errors.As(err, &lv) {
		return slog.Attr{Key: "error", Value: slog.AnyValue(lv)}
	}
	return slog.String("error", safeErrorString(err))
}

// safeErrorString is err.Error(), or a placeholder when Error panics.
func safeErrorString(err error) (s string) {
	defer func() {
		if recover() != nil {
			s = "[error text unavailable]"
		}
	}()
	return err.Error()
}

// requestIDFromContext reads the request id that respond stores in ctx.
// respond only offers an accessor on *http.Request, so a throwaway request
// carries ctx; this runs only for events logged outside a request.
func requestIDFromContext(ctx context.Context) string {
	if ctx == context.Background() || ctx == context.TODO() {
		return ""
	}
	return respond.RequestID((&http.Request{}).WithContext(ctx))
}
