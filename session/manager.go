package session

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/harden-go/harden/cookie"
	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/internal/cookieprefix"
	"github.com/harden-go/harden/internal/reqctx"
	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/internal/securecookie"
	"github.com/harden-go/harden/internal/storeguard"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/respond"
)

// Defaults of [Config].
const (
	defaultCookieName    = "__Host-sid"
	defaultIdleTimeout   = 30 * time.Minute
	defaultLifetime      = 12 * time.Hour
	defaultTouchInterval = time.Minute
	defaultStoreTimeout  = 3 * time.Second
)

// idLen is the length of a session id: 256 random bits.
const idLen = 32

// Config configures a [Manager]. Every field but Keys and Store has a
// secure default, stated in its comment.
type Config struct {
	// Keys signs the session cookie and encrypts session data at rest. The
	// manager derives its own subkeys ("session", "session-data"), so the
	// application's ring can be shared with other layers. Required.
	Keys *keys.Ring `json:"-" yaml:"-"`
	// Store keeps the sessions: sqlitestore, redisstore, pgstore, or
	// NewMemoryStore for tests and development. Required.
	Store Store `json:"-" yaml:"-"`

	// CookieName is the session cookie's name. Default "__Host-sid" (with
	// Development: "sid"). A __Host- or __Secure- prefix is
	// dropped under Development, because browsers refuse such
	// cookies without Secure.
	CookieName string `json:"cookie_name,omitempty" yaml:"cookie_name,omitempty"`
	// SameSite is "Lax" (default) or "Strict". "None" is refused: it would
	// send the session with cross-site requests.
	SameSite string `json:"same_site,omitempty" yaml:"same_site,omitempty"`
	// Persist gives the cookie a Max-Age equal to the rest of the session's
	// absolute lifetime, so it survives a browser restart. Default false:
	// the browser forgets the cookie when it closes.
	Persist bool `json:"persist,omitempty" yaml:"persist,omitempty"`

	// IdleTimeout ends a session not used for this long. Default 30
	// minutes.
	IdleTimeout time.Duration `json:"idle_timeout,omitempty" yaml:"idle_timeout,omitempty"`
	// Lifetime ends a session this long after it began (or after the last
	// Login), however active. Default 12 hours.
	Lifetime time.Duration `json:"lifetime,omitempty" yaml:"lifetime,omitempty"`
	// TouchInterval is how stale the last-use time of an unmodified
	// session may grow before a request saves it again, so that reading a
	// session is not a write on every request. The idle timeout is measured
	// from the last save, so an active session may end up to TouchInterval
	// before IdleTimeout after its last request (never later). Default 1
	// minute, or IdleTimeout/10 when that is shorter.
	TouchInterval time.Duration `json:"touch_interval,omitempty" yaml:"touch_interval,omitempty"`
	// StoreTimeout bounds each store operation. Default 3 seconds.
	StoreTimeout time.Duration `json:"store_timeout,omitempty" yaml:"store_timeout,omitempty"`

	// Development relaxes the session cookie for development over plain
	// http://, and nothing else: it drops the cookie's __Host- prefix, and
	// drops Secure for requests that did not arrive over HTTPS
	// (clientip.IsHTTPS). The session cookie then travels in clear text and
	// can be overwritten by any subdomain; data stays encrypted and the
	// timeouts still apply. It has the meaning and the name of
	// harden.Config.Development. New logs a warning. Never set it in
	// production. Default false.
	Development bool `json:"development,omitempty" yaml:"development,omitempty"`
	// DangerouslyPlaintextData stores session data unencrypted, readable by
	// anyone who can read the store. Default false: AES-256-GCM, bound to
	// the record's key so records cannot be swapped.
	DangerouslyPlaintextData bool `json:"dangerously_plaintext_data,omitempty" yaml:"dangerously_plaintext_data,omitempty"`

	// Logger receives store errors and warnings. Default slog.Default().
	Logger *slog.Logger `json:"-" yaml:"-"`
	// StoreObserver, when set, is told of every store call: its
	// operation, how long it took and its error (metrics observe the
	// store's latency through it). Default: none.
	StoreObserver StoreObserver `json:"-" yaml:"-"`
	// Now returns the current time. Default time.Now; set it in tests.
	Now func() time.Time `json:"-" yaml:"-"`
}

// ErrInvalidConfig is wrapped by every configuration error of [New] and of
// the session stores: a *harden.ConfigError naming the field as the
// configuration file spells it ("idle_timeout"), its value, and the
// reason, which says how to fix it.
var ErrInvalidConfig = errors.New("session: invalid config")

// Errors of [Login], [Logout], [Regenerate] and [Save] that mean the
// handler calls them where it must not.
var (
	// errNoSession: the request did not pass through a Manager's Handler.
	errNoSession = errors.New("session: no session in the request context (is the session middleware installed?)")
	// errHeadersWritten: the operation must set a cookie, but the response
	// has already started.
	errHeadersWritten = errors.New("session: response headers already written")
	// errEmptyUserID: Login was given an empty user id.
	errEmptyUserID = errors.New("session: empty user id")
)

// errReplaced is returned by writes after a failed save replaced the
// handler's response with a 503.
var errReplaced = errors.New("session: response replaced by 503 after a session store failure")

// Manager loads and saves sessions around requests. It is safe for
// concurrent use.
type Manager struct {
	store        Store
	updater      Updater   // nil when the store lacks it
	users        UserIndex // nil when the store lacks it
	rep          storeguard.Reporter
	secRep       storeguard.Reporter // the security log's store-error events: decisions only, no logger
	cookie       *cookie.Spec
	cookieCodec  *securecookie.Codec
	data         *keys.Ring // nil: plaintext
	idle         time.Duration
	lifetime     time.Duration
	touch        time.Duration
	storeTimeout time.Duration
	persist      bool
	log          *slog.Logger
	now          func() time.Time
}

// validate reports every setting of cfg that New refuses, with the
// defaults applied.
func validate(cfg Config) error {
	var errs []error
	bad := func(field, value, reason string) {
		errs = append(errs, &configerr.Error{Pkg: "session", Field: field, Index: -1, Value: value, Reason: reason, Err: ErrInvalidConfig})
	}
	if cfg.Keys == nil || cfg.Keys.Len() == 0 {
		bad("Keys", "", "required (keys.Parse(HARDEN_SECRETS); keys.Ephemeral() in development)")
	}
	if cfg.Store == nil {
		bad("Store", "", "required (NewMemoryStore in development, sqlitestore, redisstore or pgstore)")
	}
	durations := []struct {
		name string
		v    time.Duration
	}{{"idle_timeout", cfg.IdleTimeout}, {"lifetime", cfg.Lifetime}, {"touch_interval", cfg.TouchInterval}, {"store_timeout", cfg.StoreTimeout}}
	negative := false
	for _, d := range durations {
		if d.v < 0 {
			bad(d.name, d.v.String(), "must not be negative; 0 means the default")
			negative = true
		}
	}
	if negative {
		return errors.Join(errs...)
	}
	idle := orDefault(cfg.IdleTimeout, defaultIdleTimeout)
	lifetime := orDefault(cfg.Lifetime, defaultLifetime)
	if idle < time.Second {
		bad("idle_timeout", idle.String(), "must be at least one second")
	}
	if lifetime < time.Second {
		bad("lifetime", lifetime.String(), "must be at least one second")
	}
	// An idle timeout that is not shorter than the lifetime never ends a
	// session: the configuration says two things and does one.
	if idle >= time.Second && lifetime >= time.Second && idle >= lifetime {
		bad("idle_timeout", idle.String(), "must be shorter than lifetime ("+lifetime.String()+"), or it never ends a session; lower idle_timeout or raise lifetime")
	}
	if cfg.TouchInterval != 0 && idle >= time.Second && cfg.TouchInterval >= idle {
		bad("touch_interval", cfg.TouchInterval.String(), "must be shorter than idle_timeout ("+idle.String()+")")
	}
	if cfg.SameSite == "None" {
		bad("same_site", cfg.SameSite, `None would send the session cookie with cross-site requests; use "Lax" or "Strict"`)
	}
	return errors.Join(errs...)
}

// New validates cfg and returns a Manager. Every refused setting is a
// *harden.ConfigError wrapping [ErrInvalidConfig], joined with errors.Join.
func New(cfg Config) (*Manager, error) {
	if err := validate(cfg); err != nil {
		return nil, err
	}
	m := &Manager{
		idle:         orDefault(cfg.IdleTimeout, defaultIdleTimeout),
		lifetime:     orDefault(cfg.Lifetime, defaultLifetime),
		storeTimeout: orDefault(cfg.StoreTimeout, defaultStoreTimeout),
		persist:      cfg.Persist,
		log:          cfg.Logger,
		now:          cfg.Now,
	}
	m.initReporting()
	m.bindStore(cfg.Store, cfg.StoreObserver)
	m.touch = cfg.TouchInterval
	if m.touch == 0 {
		m.touch = min(defaultTouchInterval, m.idle/10)
	}
	name, err := m.configureCookie(cfg)
	if err != nil {
		return nil, err
	}
	if !cfg.DangerouslyPlaintextData {
		m.data = cfg.Keys.Derive("session-data")
	}

	if cfg.Development {
		m.log.Warn("session: Development is set: the session cookie has no __Host- prefix and no Secure flag over plain HTTP; never use this in production",
			"cookie", name)
	}
	if cfg.Keys.Ephemeral() {
		m.log.Warn("session: the key ring is ephemeral: every session ends when this process exits and other instances reject its cookies")
	}
	return m, nil
}

// initReporting applies the defaults of the logger and the clock, and sets
// up the reporters of store errors: the operational log's and the security
// log's.
func (m *Manager) initReporting() {
	if m.log == nil {
		m.log = slog.Default()
	}
	m.rep = storeguard.Reporter{Logger: m.log, Name: "session",
		Attrs: []slog.Attr{slog.String("event", secevent.SessionStoreError)}, Interval: storeguard.DefaultInterval}
	if m.now == nil {
		m.now = time.Now
	}
	// The security log's session_store_error events follow the same rule
	// as the operational records, counted over refused requests: an
	// outage writes its first refusal, then one per interval with the
	// count, then store_recovered.
	m.secRep = storeguard.Reporter{Interval: storeguard.DefaultInterval, Clock: m.now}
}

// bindStore sets the store m calls, with its Updater and UserIndex when it
// has them: store bounded by StoreTimeout, its successes reported to m.rep,
// and every call told to obs when obs is not nil.
func (m *Manager) bindStore(store Store, obs StoreObserver) {
	// Every store call returns by its deadline, whatever the store's
	// client does: a hung server must not hold requests past StoreTimeout.
	// The memory store cannot hang and is called directly (the bound costs
	// a goroutine per call).
	b := &boundedStore{store: store, rep: &m.rep}
	b.updater, _ = store.(Updater)
	b.users, _ = store.(UserIndex)
	m.store = b
	if b.updater != nil {
		m.updater = b
	}
	if b.users != nil {
		m.users = b
	}
	if ms, ok := store.(*memoryStore); ok {
		m.store, m.updater, m.users = ms, ms, ms
	}
	if obs != nil {
		m.observeStore(obs)
	}
}

// configureCookie makes the session cookie's spec and codec, and returns
// the cookie's name.
func (m *Manager) configureCookie(cfg Config) (string, error) {
	name := cfg.CookieName
	if name == "" {
		name = defaultCookieName
	}
	if cfg.Development {
		name = cookieprefix.Strip(name)
	}
	spec, err := cookie.New(cookie.Config{
		Name:                     name,
		SameSite:                 cfg.SameSite,
		DangerouslyAllowInsecure: cfg.Development,
	})
	if err != nil {
		return "", cookieError(name, cfg.SameSite, err)
	}
	m.cookie = spec
	sessionKeys := cfg.Keys.Derive("session")
	if m.cookieCodec, err = securecookie.New(securecookie.Config{Keys: sessionKeys, Name: name}); err != nil {
		return "", &configerr.Error{Pkg: "session", Field: "cookie_name", Index: -1, Value: name, Reason: err.Error(), Err: ErrInvalidConfig}
	}
	return name, nil
}

// cookieError reports what cookie.New refused, under the session field
// that set it.
func cookieError(name, sameSite string, err error) error {
	field, value := "cookie_name", name
	var ce *configerr.Error // cookie's configuration error type
	if errors.As(err, &ce) && ce.Field == "same_site" {
		field, value = "same_site", sameSite
	}
	reason := err.Error()
	if ce != nil {
		reason = ce.Reason
	}
	return &configerr.Error{Pkg: "session", Field: field, Index: -1, Value: value, Reason: reason, Err: ErrInvalidConfig}
}

func orDefault(v, def time.Duration) time.Duration {
	if v == 0 {
		return def
	}
	return v
}

// CookieName returns the name of the session cookie.
func (m *Manager) CookieName() string { return m.cookie.Name() }

// Handler is the session middleware. For a request carrying a session
// cookie it loads the session before calling next (a store failure answers
// 503 through respond, event "session_store_error", and next is not
// called). A request without a session cookie, or with one that does not
// verify, touches no store. The session is saved, if it needs to be, just
// before the response headers are written.
func (m *Manager) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The session and its writer: one allocation. The context value
		// holding it is a plain context.WithValue (see
		// reqctx.Context for the module's one context type).
		s := &Session{m: m}
		if values := m.cookieValues(r); len(values) > 0 {
			if err := s.load(r.Context(), values); err != nil {
				m.fail(w, r, "find", err)
				return
			}
			m.recovered(r)
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, s))
		s.r = r
		next.ServeHTTP(s.writer(w), r)
		s.finish()
		m.recovered(r)
	})
}

// cookieValues returns the session cookie's values in r. A request whose
// Cookie header does not even contain the cookie's name (a first visit, or
// a client with only other cookies) skips parsing every cookie, which
// allocates.
func (m *Manager) cookieValues(r *http.Request) []string {
	name := m.cookie.Name()
	for _, line := range r.Header["Cookie"] {
		if strings.Contains(line, name) {
			return m.cookie.Values(r)
		}
	}
	return nil
}

// DestroyUser ends every session of userID, in every instance sharing the
// store: after a password or role change, or for "log out everywhere". It
// returns an error wrapping errors.ErrUnsupported when the store does not
// implement [UserIndex] (every store of this module does).
func (m *Manager) DestroyUser(ctx context.Context, userID string) error {
	ui := m.users
	if ui == nil {
		return errors.Join(errors.ErrUnsupported, errors.New("session: the store cannot end the sessions of a user"))
	}
	ctx, cancel := context.WithTimeout(ctx, m.storeTimeout)
	defer cancel()
	if err := ui.DeleteUser(ctx, userID); err != nil {
		m.logStoreError("delete_user", err)
		return err
	}
	return nil
}

// fail answers 503 after a store failure. The refusal is recorded in the
// security log under the store errors' rule: the first of an outage, then
// one per interval counting the quiet ones between; during an outage
// every request with a session cookie is refused, and one event each
// would flood the log.
func (m *Manager) fail(w http.ResponseWriter, r *http.Request, op string, err error) {
	m.logStoreError(op, err)
	logged, suppressed := true, int64(0)
	if !errors.Is(err, context.Canceled) { // a client that left is no outage
		logged, suppressed = m.secRep.Failure(r.Context(), err)
	}
	respond.Reject(w, r, &respond.Rejection{
		Status:     http.StatusServiceUnavailable,
		Message:    "Service unavailable",
		Event:      secevent.SessionStoreError,
		Err:        err,
		Quiet:      !logged,
		Suppressed: suppressed,
	})
}

// recovered records, once, that the store answers again after refusals:
// the security log's store_recovered event with their count. The store's
// own reporter (m.rep) says whether its last call succeeded: a request
// whose cookie did not verify made no call, and proves nothing.
func (m *Manager) recovered(r *http.Request) {
	if !m.secRep.Failing() || m.rep.Failing() {
		return
	}
	if ok, n := m.secRep.Success(r.Context()); ok {
		reqctx.Recovered(r, secevent.SessionStoreError, n)
	}
}

// logStoreError logs a failed store operation under the one suppression
// rule of every store (internal/storeguard): the first error, then one
// record per minute counting the rest, then the recovery, which a
// successful store call reports. A client that left while its session was
// read is not a store failure.
func (m *Manager) logStoreError(op string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	m.rep.Failure(context.Background(), fmt.Errorf("%s: %w", op, err))
}

// storeKey returns the key under which the session with id is stored: the
// SHA-256 of the id, base64url. A hash (rather than an HMAC) keeps the key
// stable across secret rotation; the id's 256 random bits make it
// irreversible.
func storeKey(id []byte) string {
	sum := sha256.Sum256(id)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// seal encodes st for the store under key.
func (m *Manager) seal(st *state, key string) []byte {
	plain := st.appendEncoded(make([]byte, 0, st.encodedLen()))
	if m.data == nil {
		return plain
	}
	return m.data.Seal(nil, plain, []byte(key))
}

// open decodes a record read from the store under key.
func (m *Manager) open(data []byte, key string) (state, error) {
	var st state
	if m.data != nil {
		plain, err := m.data.Open(data, []byte(key))
		if err != nil {
			return st, err
		}
		data = plain
	}
	return st, st.decode(data)
}

// expiry returns when st ends: idle or absolute, whichever is first.
func (m *Manager) expiry(st *state) time.Time {
	return time.UnixMilli(min(st.touched+m.idle.Milliseconds(), st.created+m.lifetime.Milliseconds()))
}

// storeCtx returns the context for a store write: not cancelled when the
// client goes away (a save is all or nothing), bounded by StoreTimeout and
// by the request's deadline when it has one.
func (m *Manager) storeCtx(parent context.Context) (context.Context, context.CancelFunc) {
	timeout := m.storeTimeout
	if d, ok := parent.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	return context.WithTimeout(context.WithoutCancel(parent), timeout)
}
