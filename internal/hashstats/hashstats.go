package hashstats

// Stats is a snapshot of a password hasher's admission: what runs, what
// waits, and what was turned away. The counters only grow.
type Stats struct {
	Running int   // hashes being computed now
	Queued  int   // calls waiting for a slot
	InUse   int64 // bytes of hash memory held by the running hashes

	Hashes    uint64 // hashes computed (Hash, Verify and DummyVerify)
	Refused   uint64 // calls refused with ErrBusy: the queue was full
	Abandoned uint64 // calls whose context ended while they waited
}

// Of returns the Stats of hasher, a *password.Hasher. Package password sets
// it when it is initialised; it takes any because this package cannot
// import password, which imports it.
var Of func(hasher any) Stats
