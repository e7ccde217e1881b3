// Package hashstats holds the counters of the password hasher's admission
// (what runs, what waits, what was turned away) and the one way to read
// them: package password fills [Of], and the reference app's login flood
// tests watch a hasher with it. Users never see them.
//
// Imports: the standard library only.
package hashstats
