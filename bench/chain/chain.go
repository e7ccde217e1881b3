// Package chain builds the two servers the benchmarks compare: the harden
// stack, and the same defences assembled from the usual Go libraries
// (unrolled/secure, rs/cors, go-chi/httprate, alexedwards/scs with its memory
// store, gorilla/csrf).
//
// Both are configured from one Options value so that every comparison is
// like for like: the same header values, the same CORS allowlist, the same
// rate limit, the same trust in one proxy hop that sets X-Forwarded-Proto.
package chain

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"
	gcsrf "github.com/gorilla/csrf"
	"github.com/rs/cors"
	"github.com/unrolled/secure"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/clientip"
	hcors "github.com/harden-go/harden/cors"
	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/ratelimit"
	"github.com/harden-go/harden/respond"
	"github.com/harden-go/harden/seclog"
	"github.com/harden-go/harden/session"
)

// Options is the configuration shared by both chains.
type Options struct {
	// Headers is the security header set; the peer chain gets the same
	// values through unrolled/secure. Default: helmet's set (headers.Config{}).
	Headers headers.Config
	// PublicURL is where plain-HTTP requests are redirected.
	// Default "https://example.com".
	PublicURL string
	// Origins is the CORS allowlist. Default ["https://app.example.com"].
	Origins []string
	// Limit requests per Window per client address on every route.
	// Default 100 per 15 minutes.
	Limit  int
	Window time.Duration
	// Secret authenticates the peer chain's CSRF cookie (32 bytes).
	// Default: a fixed benchmark value.
	Secret []byte
	// SecurityLog receives the harden stack's security events (every
	// refusal is one). The events are encoded either way, so their cost is
	// measured. Default: discarded, so that a benchmark's output stays
	// readable (go test merges the binary's stderr into its stdout).
	SecurityLog io.Writer
}

func (o Options) withDefaults() Options {
	if o.PublicURL == "" {
		o.PublicURL = "https://example.com"
	}
	if o.Origins == nil {
		o.Origins = []string{"https://app.example.com"}
	}
	if o.Limit == 0 {
		o.Limit = 100
	}
	if o.Window == 0 {
		o.Window = 15 * time.Minute
	}
	if o.Secret == nil {
		o.Secret = []byte("benchmark-secret-of-32-bytes!!!!")
	}
	return o
}

// Harden returns the reference routes behind the harden stack: the root
// stack built by harden.New (client address through one trusted proxy hop,
// security headers, panic recovery, HTTPS enforcement, allowed hosts,
// CORS), then the general rate limit, sessions (memory store) and CSRF
// protection, in the documented order. Its routes are the peer chain's:
//
//	GET /api/csrf-token  {"token":"..."}: a token bound to the session, or
//	                     for a visitor without one to a pre-session cookie
//	                     (nothing is stored)
//	GET /healthz         {"status":"ok"}
//
// and a JSON 404 for everything else.
func Harden(o Options) (http.Handler, error) {
	o = o.withDefaults()
	logw := o.SecurityLog
	if logw == nil {
		logw = io.Discard
	}
	seclogger, err := seclog.New(seclog.Config{Writer: logw})
	if err != nil {
		return nil, err
	}
	stack, err := harden.New(harden.Config{
		SecurityLog: seclogger,
		PublicURL:   o.PublicURL,
		Headers:     o.Headers,
		ClientIP:    clientip.Config{TrustedHops: 1},
		CORS: hcors.Config{
			Origins:        o.Origins,
			Credentials:    true,
			Methods:        []string{"PUT", "DELETE"},
			RequestHeaders: []string{"Content-Type", "X-CSRF-Token"},
		},
	})
	if err != nil {
		return nil, err
	}
	limiter, err := ratelimit.New(ratelimit.Config{
		Rate: ratelimit.Spec{Limit: int64(o.Limit), Window: o.Window},
	})
	if err != nil {
		return nil, err
	}
	ring, err := keys.Parse(keys.NewSecret())
	if err != nil {
		return nil, err
	}
	sessions, err := session.New(session.Config{Keys: ring, Store: session.NewMemoryStore(0)})
	if err != nil {
		return nil, err
	}
	protect, err := csrf.New(csrf.Config{Keys: ring, TrustedOrigins: o.Origins})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /api/csrf-token", protect.TokenHandler())
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		respond.Reject(w, r, &respond.Rejection{Status: http.StatusNotFound, Message: "Not found"})
	})
	return stack.Handler(limiter.Handler(sessions.Handler(protect.Handler(mux)))), nil
}

// Peer returns the reference routes behind the peer chain, outermost
// first: unrolled/secure (headers, HTTPS redirect, allowed hosts), chi's
// client address through one trusted proxy, rs/cors, go-chi/httprate keyed
// by that address, scs (memory store) and gorilla/csrf. Its routes:
//
//	GET /api/csrf-token  {"token":"..."}; stores the session the token goes
//	                     with, as the hardened Express example does, so a
//	                     first visit costs a session and two cookies
//	GET /healthz         {"status":"ok"}
//
// and a JSON 404 for everything else.
func Peer(o Options) (http.Handler, error) {
	o = o.withDefaults()
	so, err := SecureOptions(o.Headers)
	if err != nil {
		return nil, err
	}
	so.SSLRedirect = true
	so.SSLHost = strings.TrimPrefix(o.PublicURL, "https://")
	so.SSLProxyHeaders = map[string]string{"X-Forwarded-Proto": "https"}
	so.AllowedHosts = []string{so.SSLHost}
	sec := secure.New(so)

	cr := cors.New(cors.Options{
		AllowedOrigins:   o.Origins,
		AllowCredentials: true,
		AllowedMethods:   []string{"GET", "HEAD", "POST", "PUT", "DELETE"},
		AllowedHeaders:   []string{"Content-Type", "X-CSRF-Token"},
	})
	// The client address through one trusted proxy, as httprate documents.
	clientIP := middleware.ClientIPFromXFFTrustedProxies(1)
	limit := httprate.LimitBy(o.Limit, o.Window, func(r *http.Request) (string, error) {
		return httprate.CanonicalizeIP(middleware.GetClientIP(r.Context())), nil
	})

	sm := scs.New()
	sm.Cookie.Name = "__Host-sid"
	sm.Cookie.Secure = true
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteStrictMode
	sm.Cookie.Path = "/"
	sm.Lifetime = 24 * time.Hour

	protect := gcsrf.Protect(o.Secret,
		gcsrf.CookieName("__Host-csrf"),
		gcsrf.Path("/"),
		gcsrf.Secure(true),
		gcsrf.HttpOnly(true),
		gcsrf.SameSite(gcsrf.SameSiteStrictMode),
		// No gcsrf.TrustedOrigins: it compares hosts only (GO-2025-3884,
		// unfixed), so the peer chain refuses every cross-origin write
		// instead; the benchmarks measure same-origin requests.
		gcsrf.ErrorHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			jsonError(w, http.StatusForbidden, "Invalid CSRF token")
		})),
	)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/csrf-token", func(w http.ResponseWriter, r *http.Request) {
		sm.Put(r.Context(), "csrf", true)
		writeToken(w, gcsrf.Token(r))
	})
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		jsonError(w, http.StatusNotFound, "Not found")
	})

	h := protect(mux)
	h = sm.LoadAndSave(h)
	h = limit(h)
	h = cr.Handler(h)
	h = clientIP(h)
	return sec.Handler(h), nil
}

// SecureOptions returns the unrolled/secure options that send the same
// header values as harden's headers.New(cfg) over HTTPS. Two of helmet's
// headers have no unrolled/secure option and are left out:
// Origin-Agent-Cluster and X-Download-Options (the peer does that much less
// work).
func SecureOptions(cfg headers.Config) (secure.Options, error) {
	h, err := headers.New(cfg)
	if err != nil {
		return secure.Options{}, err
	}
	hdr := http.Header{}
	h.SetHeaders(hdr, true)
	var o secure.Options
	for name, vs := range hdr {
		v := vs[0]
		switch name {
		case "Content-Security-Policy":
			// unrolled/secure replaces $NONCE with 'nonce-…' per request.
			const mark = "N0NCE"
			p := h.Policy(mark)
			o.ContentSecurityPolicy = strings.ReplaceAll(p, "'nonce-"+mark+"'", "$NONCE")
		case "Content-Security-Policy-Report-Only":
			o.ContentSecurityPolicyReportOnly = v
		case "Strict-Transport-Security":
			for part := range strings.SplitSeq(v, ";") {
				part = strings.TrimSpace(part)
				switch {
				case strings.HasPrefix(part, "max-age="):
					n, err := strconv.ParseInt(strings.TrimPrefix(part, "max-age="), 10, 64)
					if err != nil {
						return o, err
					}
					o.STSSeconds = n
				case part == "includeSubDomains":
					o.STSIncludeSubdomains = true
				case part == "preload":
					o.STSPreload = true
				}
			}
		case "Cross-Origin-Opener-Policy":
			o.CrossOriginOpenerPolicy = v
		case "Cross-Origin-Resource-Policy":
			o.CrossOriginResourcePolicy = v
		case "Cross-Origin-Embedder-Policy":
			o.CrossOriginEmbedderPolicy = v
		case "Referrer-Policy":
			o.ReferrerPolicy = v
		case "X-Content-Type-Options":
			o.ContentTypeNosniff = true
		case "X-Dns-Prefetch-Control":
			o.XDNSPrefetchControl = v
		case "X-Frame-Options":
			o.CustomFrameOptionsValue = v
		case "X-Permitted-Cross-Domain-Policies":
			o.XPermittedCrossDomainPolicies = v
		case "X-Xss-Protection":
			o.CustomBrowserXssValue = v
		case "Permissions-Policy":
			o.PermissionsPolicy = v
		case "Origin-Agent-Cluster", "X-Download-Options":
			// No unrolled/secure option.
		default:
			return o, fmt.Errorf("chain: no unrolled/secure option for %s", name)
		}
	}
	if o.ContentSecurityPolicy == "" && hdr.Get("Content-Security-Policy") != "" {
		return o, errors.New("chain: lost the CSP")
	}
	return o, nil
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}

func writeToken(w http.ResponseWriter, token string) {
	// The token is base64 (gorilla/csrf): no JSON escaping needed.
	buf := make([]byte, 0, len(token)+13)
	buf = append(buf, `{"token":"`...)
	buf = append(buf, token...)
	buf = append(buf, "\"}\n"...)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf) // #nosec G705 -- JSON carrying the CSRF library's own base64 token, no request input
}

func jsonError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"error":"` + msg + `"}` + "\n"))
}
