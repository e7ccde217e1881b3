package bench

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/session"
)

var sinkValue string

// BenchmarkSession: harden's session manager (memory store, signed cookie,
// AES-GCM data at rest) against scs (memory store, gob), both with a
// __Host- cookie, Secure, HttpOnly, SameSite=Lax.
//
//	anonymous: no cookie, the handler does not use the session
//	create:    no cookie, the handler stores a value: a new session is
//	           saved and its cookie set
//	read:      a valid cookie, the handler reads a value
//	write:     a valid cookie, the handler changes a value: saved again
func BenchmarkSession(b *testing.B) {
	ring := must(keys.Parse(keys.NewSecret()))(b)
	hm := must(session.New(session.Config{Keys: ring, Store: session.NewMemoryStore(0)}))(b)
	sm := scs.New()
	sm.Cookie.Name = "__Host-sid"
	sm.Cookie.Secure = true
	sm.Lifetime = 12 * time.Hour

	var n int
	type sides struct{ harden, scs http.HandlerFunc }
	handlers := map[string]sides{
		"anonymous": {
			func(http.ResponseWriter, *http.Request) {},
			func(http.ResponseWriter, *http.Request) {},
		},
		"create": {
			func(_ http.ResponseWriter, r *http.Request) { session.From(r).Set("user", "alice") },
			func(_ http.ResponseWriter, r *http.Request) { sm.Put(r.Context(), "user", "alice") },
		},
		"read": {
			func(_ http.ResponseWriter, r *http.Request) { sinkValue = session.From(r).Get("user") },
			func(_ http.ResponseWriter, r *http.Request) { sinkValue = sm.GetString(r.Context(), "user") },
		},
		"write": {
			func(_ http.ResponseWriter, r *http.Request) { n++; session.From(r).Set("n", strconv.Itoa(n)) },
			func(_ http.ResponseWriter, r *http.Request) { n++; sm.Put(r.Context(), "n", strconv.Itoa(n)) },
		},
	}
	// One session on each side, for the scenarios that send a cookie.
	cookieOf := func(h http.Handler) string {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, get("/"))
		cs := rec.Result().Cookies()
		if len(cs) != 1 {
			b.Fatalf("got cookies %v, want one session cookie", cs)
		}
		return cs[0].Name + "=" + cs[0].Value
	}
	hCookie := cookieOf(hm.Handler(handlers["create"].harden))
	sCookie := cookieOf(sm.LoadAndSave(handlers["create"].scs))

	for _, sc := range []struct {
		name       string
		withCookie bool
		setsCookie bool
	}{
		{"anonymous", false, false},
		{"create", false, true},
		{"read", true, false},
		{"write", true, false},
	} {
		b.Run(sc.name, func(b *testing.B) {
			hs := handlers[sc.name]
			for _, side := range []struct {
				name   string
				h      http.Handler
				cookie string
			}{
				{"harden-memory", hm.Handler(hs.harden), hCookie},
				{"scs-memory", sm.LoadAndSave(hs.scs), sCookie},
			} {
				req := func() *http.Request {
					r := get("/")
					if sc.withCookie {
						r.Header.Set("Cookie", side.cookie)
					}
					return r
				}
				w := want{200, ""}
				if sc.setsCookie {
					w.header = "Set-Cookie"
				}
				serial(b, []impl{{side.name, side.h}}, req, w)
			}
		})
	}
}
