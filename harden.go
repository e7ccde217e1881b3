package harden

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/recovery"
	"github.com/harden-go/harden/respond"
)

// Config describes the whole stack. Its zero value is the secure production
// default; every field documents its own default.
type Config struct {
	// Development turns on development mode: refusals carry the internal
	// cause of 4xx errors as "detail" (never of 5xx), and layers that need
	// HTTPS or secrets in production relax as their docs say. Default: false
	// (production).
	Development bool `json:"development" yaml:"development"`

	// Headers configures the security headers. Default: helmet 8's set.
	Headers headers.Config `json:"headers" yaml:"headers"`

	// Responder answers every refusal of every layer. Default:
	// respond.JSON{Development: Development}.
	Responder respond.Responder `json:"-" yaml:"-"`

	// Logger receives panics and layer errors. Default: slog.Default().
	Logger *slog.Logger `json:"-" yaml:"-"`
}

// Stack is a validated, composed set of defence layers. It is safe for
// concurrent use.
type Stack struct {
	headers   *headers.Headers
	recover   func(http.Handler) http.Handler
	responder respond.Responder // nil: the default production responder
	logger    *slog.Logger
}

// ErrConfig wraps every configuration error New returns, so a caller can
// tell a bad configuration from other start-up failures.
var ErrConfig = errors.New("harden: invalid configuration")

// New validates cfg and builds the stack. Every problem found is reported,
// joined, each wrapped with [ErrConfig] and naming its layer.
func New(cfg Config) (*Stack, error) {
	s := &Stack{logger: cfg.Logger}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	var errs []error
	h, err := headers.New(cfg.Headers)
	if err != nil {
		errs = append(errs, fmt.Errorf("%w: %w", ErrConfig, err))
	}
	s.headers = h
	switch {
	case cfg.Responder != nil:
		s.responder = cfg.Responder
	case cfg.Development:
		s.responder = respond.JSON{Development: true}
	}
	s.recover = recovery.New(s.logger)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// Handler returns next wrapped in every layer of the stack.
func (s *Stack) Handler(next http.Handler) http.Handler {
	h := s.recover(next)
	if s.responder != nil {
		inner := h
		resp := s.responder
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inner.ServeHTTP(w, r.WithContext(respond.WithResponder(r.Context(), resp)))
		})
	}
	return s.headers.Handler(h)
}

// Headers returns the stack's header layer, for reverse proxies
// (Headers.SetHeaders) and documentation (Headers.Policy).
func (s *Stack) Headers() *headers.Headers { return s.headers }
