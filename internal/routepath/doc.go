// Package routepath gives the path that a request's rules are matched on:
// the URL path as the strictest common routers resolve it, so that a rule
// for "/api/" or "/login" cannot be dodged by a spelling that the
// application behind it routes to the same place ("//api/x",
// "/x/../api/x", "/api;v=1/x" in a Java servlet container).
//
// It is used by the root stack (the paths a rate limit applies to) and by
// package proxy (routes and login paths). It imports only the standard
// library.
package routepath
