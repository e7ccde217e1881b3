package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/password"
	"github.com/harden-go/harden/respond"
	"github.com/harden-go/harden/seclog"
	"github.com/harden-go/harden/session"
)

// registration is the payload of POST /api/register. The password is
// hashed as sent (no normalisation) and never echoed in an error.
type registration struct {
	Email    string `json:"email" normalize:"email" validate:"required,email,max=254"`
	Password string `json:"password" harden:"secret" validate:"required,min=12,max=1024"`
	Name     string `json:"name" normalize:"trim,nfc,stripctl,squash" validate:"required,max=100"`
}

func (g *registration) fromForm(v url.Values) {
	g.Email, g.Password, g.Name = v.Get("email"), v.Get("password"), v.Get("name")
}

// credentials is the payload of POST /api/login. The email is not checked
// for form: an unknown or malformed one fails like a wrong password.
type credentials struct {
	Email    string `json:"email" normalize:"email" validate:"required,max=254"`
	Password string `json:"password" harden:"secret" validate:"required,max=1024"`
}

func (c *credentials) fromForm(v url.Values) {
	c.Email, c.Password = v.Get("email"), v.Get("password")
}

// register creates an account with the role user (admins are made with
// "harden user add --role admin").
//
// A taken email gets the same 201 {"success":true} as a new account, after
// the same work (the password is hashed before the insert fails): a
// distinct answer (409 "already registered") would let anyone test which
// addresses have accounts here, five at a time per address under the
// auth limiter but without end across addresses. The owner of the
// address loses nothing (their account and password are unchanged); the
// cost is that someone who forgot they had an account is not told so by
// this form, which a site with email would do by mail.
func (a *App) register(w http.ResponseWriter, r *http.Request) {
	var g registration
	if !bind(w, r, a.valid, &g) {
		return
	}
	// The same rules as "harden user add": valid UTF-8, at most 1024
	// bytes (the validator counts characters).
	if err := appdb.CheckPassword(g.Password); err != nil {
		storeRefused(w, r, err)
		return
	}
	hash, err := a.hasher.Hash(r.Context(), g.Password)
	if err != nil {
		if errors.Is(err, password.ErrPasswordTooLong) || errors.Is(err, password.ErrEmptyPassword) {
			fieldError(w, r, "password", "is invalid")
			return
		}
		if hashUnavailable(w, r, err) {
			return
		}
		internalError(w, r, err)
		return
	}
	_, err = a.db.CreateUser(r.Context(), appdb.User{Email: g.Email, Name: g.Name, Role: appdb.RoleUser, PasswordHash: hash})
	if err != nil && !errors.Is(err, appdb.ErrEmailTaken) {
		storeRefused(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, successBody)
}

// login signs a user in: 200 with a new session id (the one before, if
// any, stops working), or 401 "Invalid credentials" whatever went wrong —
// unknown email, wrong password, unusable stored hash — after the same
// password work, so neither the answer nor its time tells which. Failures
// count against the auth limiter; successes do not.
func (a *App) login(w http.ResponseWriter, r *http.Request) {
	var c credentials
	if !bind(w, r, a.valid, &c) {
		return
	}
	u, err := a.db.UserByEmail(r.Context(), c.Email)
	switch {
	case errors.Is(err, appdb.ErrNotFound):
		if err := a.hasher.DummyVerify(r.Context(), c.Password); hashUnavailable(w, r, err) {
			return
		}
		invalidCredentials(w, r, nil)
		return
	case err != nil:
		unavailable(w, r, err)
		return
	}
	ok, err := a.hasher.Verify(r.Context(), c.Password, u.PasswordHash)
	if hashUnavailable(w, r, err) {
		return
	}
	if err != nil || !ok {
		// The account exists: the failure is logged with its user id, so
		// an attack on one account shows.
		seclog.SetUserID(r.Context(), u.ID)
		invalidCredentials(w, r, err)
		return
	}
	// A new session id, the old one deleted: no session fixation.
	if err := session.Login(r, u.ID); err != nil {
		internalError(w, r, err)
		return
	}
	seclog.SetUserID(r.Context(), u.ID)
	// The session is stored before anything is recorded: login_success is
	// written only for a sign-in the client can use. A store that refuses
	// (a full disk, a read-only database, an outage) is its own event,
	// with a 503 and no cookie.
	if err := session.Save(w, r); err != nil {
		_ = session.Logout(r) // drop the unsaved session: no cookie on the 503
		respond.Reject(w, r, &respond.Rejection{Status: http.StatusServiceUnavailable, Message: "Service unavailable",
			Event: eventLoginNotSaved, Err: err})
		return
	}
	a.sec.Record(r, seclog.Event{Name: seclog.EventLoginSuccess, Status: http.StatusOK, UserID: u.ID})
	if a.hasher.NeedsRehash(u.PasswordHash) {
		// Upgrade on login: the only moment the password is known. A
		// failure leaves the old (still valid) hash and is retried at the
		// next login.
		if h, err := a.hasher.Hash(r.Context(), c.Password); err == nil {
			err = a.db.UpdatePasswordHash(r.Context(), u.ID, h)
			if err != nil {
				a.logger.ErrorContext(r.Context(), "upgrading a password hash", "err", err)
			}
		}
	}
	writeJSON(w, http.StatusOK, successBody)
}

// hashRetryAfter is the Retry-After of a login or registration refused
// because the password hasher's queue is full: about the time the queue
// takes to drain at the default parameters.
const hashRetryAfter = "5"

// eventHashBusy is the security event of a login or registration the
// password hasher could not take: a flood of them is an attack on the
// hashing budget.
const eventHashBusy = "login_busy"

// hashUnavailable answers 503 with Retry-After when err says the password
// hasher did not run: its queue was full (password.ErrBusy) or the client
// left while it waited (the answer is then never read). It reports whether
// it answered. The auth limiter does not count a 503 as a failed attempt:
// nothing was checked.
func hashUnavailable(w http.ResponseWriter, r *http.Request, err error) bool {
	if !errors.Is(err, password.ErrBusy) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	respond.Reject(w, r, &respond.Rejection{Status: http.StatusServiceUnavailable, Message: "Service busy, please retry later",
		Event: eventHashBusy, Header: http.Header{"Retry-After": {hashRetryAfter}}, Err: err})
	return true
}

// eventLoginNotSaved is the security event of a login whose password
// matched but whose session the store did not keep: the client got 503
// and is not signed in.
const eventLoginNotSaved = "login_session_not_saved"

// invalidCredentials is the one answer of every failed login.
func invalidCredentials(w http.ResponseWriter, r *http.Request, cause error) {
	respond.Reject(w, r, &respond.Rejection{Status: http.StatusUnauthorized, Message: "Invalid credentials",
		Event: seclog.EventLoginFailed, Err: loginFailed{cause}})
}

// loginFailed is the cause of every failed login. Its text is empty, so even
// the development responder adds no "detail": a cause such as "password too
// long" exists only for an existing account and would tell accounts apart.
// The real cause goes to the security log only, through LogValue.
type loginFailed struct{ err error }

func (e loginFailed) Error() string { return "" }

// LogValue records the real cause in the security log.
func (e loginFailed) LogValue() slog.Value {
	if e.err == nil {
		return slog.StringValue("credentials did not match")
	}
	return slog.StringValue(e.err.Error())
}

// logout ends the session on the server (its record is deleted, so a copy
// of the cookie is worthless) and in the browser.
func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	id := session.From(r).UserID()
	if err := session.Logout(r); err != nil {
		internalError(w, r, err)
		return
	}
	a.sec.Record(r, seclog.Event{Name: seclog.EventLogout, Status: http.StatusOK, UserID: id})
	writeJSON(w, http.StatusOK, successBody)
}

// me answers the signed-in user's account. A session whose account was
// deleted is ended.
func (a *App) me(w http.ResponseWriter, r *http.Request) {
	u, err := a.db.UserByID(r.Context(), session.From(r).UserID())
	switch {
	case errors.Is(err, appdb.ErrNotFound):
		_ = session.Logout(r)
		respond.Reject(w, r, &respond.Rejection{Status: http.StatusUnauthorized, Message: "Authentication required",
			Event: seclog.EventAccessDenied})
		return
	case err != nil:
		unavailable(w, r, err)
		return
	}
	writeValue(w, r, struct {
		Email string `json:"email"`
		Name  string `json:"name"`
		Role  string `json:"role"`
	}{u.Email, u.Name, u.Role})
}
