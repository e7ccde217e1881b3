// Package proxydefault holds the defaults of the reverse proxy's own
// settings: package proxy applies them, and harden proxy prints them where
// a configuration leaves a setting to its default, so that the two never
// disagree.
//
// Imports: the standard library and harden's ratelimit.
package proxydefault
