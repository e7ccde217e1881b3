package authz

import (
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/respond"
	"github.com/harden-go/harden/session"
)

// rolesKey is the session value holding the user's roles, space-separated,
// as set by [SetRoles].
const rolesKey = "roles"

// Config configures a [Guard]. The zero value is the default.
type Config struct {
	// Roles returns the roles of the signed-in user userID. Default: the
	// roles recorded in the session by SetRoles (its value "roles").
	Roles func(r *http.Request, userID string) ([]string, error) `json:"-" yaml:"-"`
	// Logger receives Roles errors and misconfigurations. Default
	// slog.Default().
	Logger *slog.Logger `json:"-" yaml:"-"`
}

// Guard makes route guards. It is safe for concurrent use.
type Guard struct {
	roles func(r *http.Request, userID string) ([]string, error)
	log   *slog.Logger
}

// New returns a Guard for cfg. The zero Config is the usual one: roles
// come from the session.
func New(cfg Config) (*Guard, error) {
	g := &Guard{roles: cfg.Roles, log: cfg.Logger}
	if g.roles == nil {
		g.roles = sessionRoles
	}
	if g.log == nil {
		g.log = slog.Default()
	}
	return g, nil
}

// SetRoles records the user's roles in the session (call it right after
// session.Login). Roles must not contain spaces.
func SetRoles(s *session.Session, roles ...string) {
	s.Set(rolesKey, strings.Join(roles, " "))
}

// Roles returns the roles recorded in s by [SetRoles].
func Roles(s *session.Session) []string { return strings.Fields(s.Get(rolesKey)) }

func sessionRoles(r *http.Request, _ string) ([]string, error) {
	return Roles(session.From(r)), nil
}

// errNoSessionMiddleware is the internal cause logged when a guarded route
// is not behind the session middleware.
var errNoSessionMiddleware = errors.New("authz: the route is not behind the session middleware")

// check is the decision of RequireRole(roles...) (RequireAuth when roles is
// empty): nil to let r through, or the refusal.
func (g *Guard) check(r *http.Request, roles ...string) *respond.Rejection {
	s := session.From(r)
	if s == nil {
		return &respond.Rejection{Status: http.StatusInternalServerError, Message: "Internal server error",
			Event: secevent.AuthzMisconfigured, Err: errNoSessionMiddleware}
	}
	user := s.UserID()
	if user == "" {
		return &respond.Rejection{Status: http.StatusUnauthorized, Message: "Authentication required", Event: secevent.AccessDenied}
	}
	if len(roles) == 0 {
		return nil
	}
	have, err := g.roles(r, user)
	if err != nil {
		return &respond.Rejection{Status: http.StatusServiceUnavailable, Message: "Service unavailable", Event: secevent.AuthzError, Err: err}
	}
	for _, want := range roles {
		if slices.Contains(have, want) {
			return nil
		}
	}
	return &respond.Rejection{Status: http.StatusForbidden, Message: "Forbidden", Event: secevent.AccessDenied}
}

// RequireAuth lets through requests of signed-in users.
func (g *Guard) RequireAuth(next http.Handler) http.Handler {
	return g.guard(next, nil)
}

// RequireRole lets through requests of signed-in users holding at least
// one of roles. It panics when roles is empty or holds an empty role: a
// guard that names no role is a programming error, found at start-up.
func (g *Guard) RequireRole(roles ...string) func(http.Handler) http.Handler {
	if len(roles) == 0 || slices.Contains(roles, "") {
		panic("authz: RequireRole needs at least one non-empty role")
	}
	roles = slices.Clone(roles)
	return func(next http.Handler) http.Handler { return g.guard(next, roles) }
}

func (g *Guard) guard(next http.Handler, roles []string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rej := g.check(r, roles...); rej != nil {
			if rej.Err != nil {
				g.log.Error("authz: "+rej.Event, "event", rej.Event, "error", rej.Err.Error(), "path", r.URL.Path)
			}
			respond.Reject(w, r, rej)
			return
		}
		next.ServeHTTP(w, r)
	})
}
