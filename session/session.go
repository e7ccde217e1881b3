package session

import (
	"context"
	"crypto/rand"
	"net/http"
	"sync"
	"time"

	"github.com/harden-go/harden/internal/statuswriter"
)

type ctxKey struct{}

// Session is one request's view of a session: string values and the
// signed-in user. It is safe for concurrent use, but changes made after
// the handler returns are lost. Concurrent requests of one session each
// save their own copy: the last save wins.
type Session struct {
	m *Manager
	r *http.Request
	w statuswriter.Writer // the request's ResponseWriter wrapper; see writer.go

	mu     sync.Mutex
	st     state
	id     []byte // nil until the session has an id
	key    string // store key of id
	loaded bool   // the record under key is in the store (read or saved in this request)
	fresh  bool   // id was made in this request and is not stored yet

	dirty       bool   // values or user changed since load
	staleKey    string // a stored record to delete before saving (Regenerate, Logout)
	cookieSent  bool   // the client sent a session cookie
	headersSent bool   // the response has started: no cookie can be set
}

// From returns the session of r, or nil when r did not pass through a
// Manager's Handler.
func From(r *http.Request) *Session {
	s, _ := r.Context().Value(ctxKey{}).(*Session)
	return s
}

// Login signs userID in to r's session: it gives the session a new id (the
// old one stops working: no session fixation), restarts its absolute
// lifetime, and, if a different user was signed in, clears its values
// first so nothing of theirs (a role, a cart) carries over. Values of an
// anonymous session are kept. It must be called before the response
// starts, with a non-empty userID.
func Login(r *http.Request, userID string) error {
	return with(r, func(s *Session) error { return s.login(userID) })
}

// Logout ends r's session: its record is deleted from the store and the
// browser is told to drop the cookie. Values set afterwards start a new
// session with a new id. Before the response starts the deletion happens
// with the save (a failure answers 503); after, it happens now and its
// error is returned.
func Logout(r *http.Request) error { return with(r, (*Session).destroy) }

// Regenerate gives r's session a new id, keeping its values and user, and
// deletes the record under the old id: call it whenever privilege changes.
// It must be called before the response starts.
func Regenerate(r *http.Request) error { return with(r, (*Session).regenerateID) }

// Save writes the changes of r's session to the store now and sets its
// cookie on w, instead of when the response starts: call it when what the
// handler answers or records depends on the session being stored. A login
// is a success only once its session is saved: an audit record written
// before would claim a sign-in that a full disk or a store outage undid.
// On error nothing is written to w; the changes stay pending ([Logout]
// drops them) and the handler answers the failure (503). It must be called
// before the response starts.
func Save(w http.ResponseWriter, r *http.Request) error {
	return with(r, func(s *Session) error { return s.saveNow(w) })
}

// with runs f on r's session; it returns errNoSession when r did not pass
// through a Manager's Handler.
func with(r *http.Request, f func(*Session) error) error {
	s := From(r)
	if s == nil {
		return errNoSession
	}
	return f(s)
}

// load looks for the first cookie value naming a live session.
func (s *Session) load(ctx context.Context, values []string) error {
	m := s.m
	s.cookieSent = true
	ctx, cancel := context.WithTimeout(ctx, m.storeTimeout)
	defer cancel()
	for _, v := range values {
		id, err := m.cookieCodec.Decode(v)
		if err != nil || len(id) != idLen {
			continue // forged, altered, or signed with a removed key
		}
		key := storeKey(id)
		data, found, err := m.store.Find(ctx, key)
		if err != nil {
			return err
		}
		if !found {
			continue
		}
		st, err := m.open(data, key)
		if err != nil {
			m.log.Warn("session: a stored record does not decode; treating it as no session", "error", err.Error())
			continue
		}
		if now := m.now(); !now.Before(m.expiry(&st)) {
			continue // idle or absolute timeout (the store's clock may lag)
		}
		s.st, s.id, s.key, s.loaded = st, id, key, true
		return nil
	}
	return nil
}

// Get returns the value of key, or "".
func (s *Session) Get(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.values[key]
}

// Set sets key to value. The session is saved at the end of the request;
// an anonymous session is created (and its cookie set) only now that it
// holds something.
func (s *Session) Set(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.st.values[key]; ok && old == value {
		return
	}
	if s.st.values == nil {
		s.st.values = make(map[string]string)
	}
	s.st.values[key] = value
	s.dirty = true
	if s.id == nil {
		s.newID()
	}
}

// Delete removes key.
func (s *Session) Delete(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.st.values[key]; ok {
		delete(s.st.values, key)
		s.dirty = true
	}
}

// UserID returns the signed-in user, or "" for an anonymous session.
func (s *Session) UserID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.userID
}

// Key returns the session's store key: a hash of its id, stable while the
// id is, changed by Login and Regenerate (at once, before the new id is
// saved), and "" while the session has no id (an anonymous session that
// holds nothing). It is not a credential (the cookie cannot be made from it), so it may
// bind other tokens (CSRF) to the session or appear in logs.
func (s *Session) Key() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.key
}

// login is [Login] on s.
func (s *Session) login(userID string) error {
	if userID == "" {
		return errEmptyUserID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.headersSent {
		return errHeadersWritten
	}
	if s.st.userID != "" && s.st.userID != userID {
		s.st.values = nil
	}
	s.st.userID = userID
	s.st.created = 0 // restarts at save
	s.regenerate()
	return nil
}

// regenerateID is [Regenerate] on s.
func (s *Session) regenerateID() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.headersSent {
		return errHeadersWritten
	}
	s.regenerate()
	return nil
}

func (s *Session) regenerate() {
	if s.loaded {
		s.staleKey = s.key
	}
	s.newID()
	s.dirty = true
}

// newID gives the session a new random id, saved (and sent) with the
// session at the end of the request.
func (s *Session) newID() {
	s.id = make([]byte, idLen)
	_, _ = rand.Read(s.id) // never fails (crypto/rand, Go 1.24+)
	s.key = storeKey(s.id)
	s.loaded, s.fresh = false, true
}

// destroy is [Logout] on s.
func (s *Session) destroy() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loaded {
		s.staleKey = s.key
	}
	s.st = state{}
	s.id, s.key, s.loaded, s.fresh = nil, "", false, false
	s.dirty = false
	if !s.headersSent || s.staleKey == "" {
		return nil
	}
	ctx, cancel := s.m.storeCtx(s.r.Context())
	defer cancel()
	if err := s.m.store.Delete(ctx, s.staleKey); err != nil {
		s.m.logStoreError("delete", err)
		return err
	}
	s.staleKey = ""
	return nil
}

// save writes what changed to the store, and the cookie to w when
// setCookie. It runs just before the response headers are written
// (setCookie true) and again after the handler returns (false), for
// changes made after the response started.
func (s *Session) save(w http.ResponseWriter, setCookie bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if setCookie {
		s.headersSent = true
	}
	return s.saveLocked(w, setCookie)
}

// saveNow is [Save] on s.
func (s *Session) saveNow(w http.ResponseWriter) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.headersSent {
		return errHeadersWritten
	}
	return s.saveLocked(w, true)
}

// saveLocked is save with s.mu held.
func (s *Session) saveLocked(w http.ResponseWriter, setCookie bool) error {
	m := s.m
	// The store context (and its timer) is made only if a store operation
	// is needed: most requests need none.
	lc := lazyCtx{m: m, parent: s.r.Context()}
	defer lc.cancel()

	// The old id goes first: if anything below fails, the session is lost
	// (a 503, then a fresh login) rather than left usable under the id it
	// had before a login.
	if s.staleKey != "" {
		if err := m.store.Delete(lc.get(), s.staleKey); err != nil {
			return err
		}
		s.staleKey = ""
	}

	now := m.now()
	empty := len(s.st.values) == 0 && s.st.userID == ""
	switch {
	case empty:
		return s.saveEmpty(w, &lc, setCookie)
	case s.fresh: // new session, or new id after Login/Regenerate
		return s.saveFresh(w, &lc, setCookie, now)
	case s.loaded && (s.dirty || now.Sub(time.UnixMilli(s.st.touched)) >= m.touch):
		return s.saveStored(w, &lc, setCookie, now)
	}
	return nil
}

// saveEmpty is saveLocked for a session holding no values and no user:
// nothing is kept for an empty anonymous session; one that became empty
// is deleted, and its cookie expired when setCookie.
func (s *Session) saveEmpty(w http.ResponseWriter, lc *lazyCtx, setCookie bool) error {
	m := s.m
	if s.loaded {
		if err := m.store.Delete(lc.get(), s.key); err != nil {
			return err
		}
	}
	s.id, s.key, s.loaded, s.fresh = nil, "", false, false
	if setCookie && s.cookieSent {
		m.cookie.Expire(w, s.r)
		s.cookieSent = false
	}
	s.dirty = false
	return nil
}

// saveFresh is saveLocked for a session under an id not stored yet (a new
// session, or a new id after Login or Regenerate): it commits the record,
// then sets the cookie. Without setCookie no cookie can carry the new id,
// so nothing is saved.
func (s *Session) saveFresh(w http.ResponseWriter, lc *lazyCtx, setCookie bool, now time.Time) error {
	m := s.m
	if !setCookie {
		m.log.Error("session: changed after the response started and needs a new cookie; not saved")
		return nil
	}
	if s.st.created == 0 {
		s.st.created = now.UnixMilli()
	}
	s.st.touched = now.UnixMilli()
	rec := s.record()
	if err := m.store.Commit(lc.get(), s.key, rec); err != nil {
		return err
	}
	s.loaded, s.fresh, s.dirty = true, false, false
	return s.setCookie(w)
}

// saveStored is saveLocked for a stored session that changed or whose
// last-use time is stale: it writes the record under the same id, then
// re-sends the cookie when setCookie. A session destroyed elsewhere
// meanwhile stays ended.
func (s *Session) saveStored(w http.ResponseWriter, lc *lazyCtx, setCookie bool, now time.Time) error {
	m := s.m
	s.st.touched = now.UnixMilli()
	rec := s.record()
	found := true
	var err error
	if m.updater != nil {
		found, err = m.updater.Update(lc.get(), s.key, rec)
	} else {
		err = m.store.Commit(lc.get(), s.key, rec)
	}
	if err != nil {
		return err
	}
	s.dirty = false
	if !found {
		// Destroyed elsewhere while this request ran: it stays ended.
		s.st = state{}
		s.id, s.key, s.loaded = nil, "", false
		if setCookie {
			m.cookie.Expire(w, s.r)
		}
		return nil
	}
	if setCookie {
		// Re-sent so that it is signed with the newest key (rotation)
		// and a persistent cookie's Max-Age follows the session.
		return s.setCookie(w)
	}
	return nil
}

// record returns the store record of the session's state under s.key.
func (s *Session) record() Record {
	return Record{Data: s.m.seal(&s.st, s.key), UserID: s.st.userID, Expiry: s.m.expiry(&s.st)}
}

// lazyCtx makes the store context on first use.
type lazyCtx struct {
	m      *Manager
	parent context.Context
	ctx    context.Context
	stop   context.CancelFunc
}

func (l *lazyCtx) get() context.Context {
	if l.ctx == nil {
		l.ctx, l.stop = l.m.storeCtx(l.parent)
	}
	return l.ctx
}

func (l *lazyCtx) cancel() {
	if l.stop != nil {
		l.stop()
	}
}

func (s *Session) setCookie(w http.ResponseWriter) error {
	v, err := s.m.cookieCodec.Encode(s.id)
	if err != nil {
		return err // unreachable: a 32-byte id always fits
	}
	c := s.m.cookie.Cookie(s.r, v) // #nosec G124 -- attributes from the validated cookie.Spec (Secure, HttpOnly, SameSite=Lax by default)
	if s.m.persist {
		left := time.UnixMilli(s.st.created).Add(s.m.lifetime).Sub(s.m.now())
		c.MaxAge = max(1, int((left+time.Second-1)/time.Second))
	}
	h := w.Header()
	h.Add("Set-Cookie", c.String())
	h.Add("Vary", "Cookie")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", `no-cache="Set-Cookie"`)
	}
	return nil
}
