package proxydefault

import (
	"time"

	"github.com/harden-go/harden/ratelimit"
)

// Defaults of proxy.Config.
const (
	// BodyLimit is Config.BodyLimit's default: 100 KiB.
	BodyLimit = 100 << 10
	// Timeout is Config.Timeout's default, the wait for the upstream's
	// response headers.
	Timeout = 60 * time.Second
)

// LoginRate returns LoginConfig.Rate's default, the login limiter's quota:
// 5 failures per 15 minutes.
func LoginRate() ratelimit.Spec { return ratelimit.Spec{Limit: 5, Window: 15 * time.Minute} }

// ErrorPages returns Config.ErrorPages's default: "mask" in production,
// "pass" in development.
func ErrorPages(development bool) string {
	if development {
		return ErrorPagesPass
	}
	return ErrorPagesMask
}

// The values of Config.ErrorPages.
const (
	ErrorPagesMask = "mask"
	ErrorPagesPass = "pass"
)
