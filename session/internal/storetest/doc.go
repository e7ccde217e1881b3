// Package storetest is the conformance suite for session stores: every
// store of harden runs it, in its tests, against a real backend. It also
// holds the HTTP test kit (an [App] and a cookie-keeping [Browser]) the
// session package's own tests drive a Manager with.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) session.Store { return newStore(t) })
//	}
//
// [Run] checks the [session.Store] contract and the optional capabilities
// the store implements, then drives a [session.Manager] over the store
// through HTTP: fixation, logout, ending all sessions of a user, in-flight
// requests racing a logout. [Shared] checks that two handles on one backend
// (two instances of a service) accept each other's sessions. [AtRest]
// checks that the backend's raw contents hold neither session ids nor
// plaintext data. [Outage] checks the answer to a dead backend.
package storetest
