// Package redisclient builds the go-redis clients of harden's Redis stores
// from a URL: one server, a Redis Cluster or a Sentinel-managed primary, by
// the URL's scheme.
//
// # What it defends against
//
// A hung Redis holding requests: every client it builds honours each
// call's context deadline (go-redis does so only with
// ContextTimeoutEnabled, and otherwise waits its own ReadTimeout, 3 s by
// default), waits no longer than the store's timeout to dial, read, write
// or take a pooled connection, and does not retry within a deadline that a
// retry could only spend. A URL that holds a password is never repeated in
// an error.
//
// # How it fails
//
// [New] returns [ErrBadURL] for a URL that does not parse or has an
// unknown scheme, and [ErrNoMasterName] for a Sentinel URL without
// master_name. It does not contact the servers.
//
// Imports: the standard library and go-redis. It is internal: users pass a
// URL to ratelimit/redisstore.Open or build a client themselves.
package redisclient
