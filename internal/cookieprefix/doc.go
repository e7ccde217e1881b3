// Package cookieprefix holds the cookie name prefixes whose rules browsers
// enforce (RFC 6265bis): package cookie checks them, and the session and
// CSRF layers drop them for development over plain HTTP, where a browser
// refuses a prefixed cookie without Secure.
//
// Imports: the standard library only.
package cookieprefix
