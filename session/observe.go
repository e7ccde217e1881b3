package session

import (
	"context"
	"time"
)

// Store operations as a [StoreObserver] sees them.
const (
	opLoad   = "load"   // Store.Find
	opSave   = "save"   // Store.Commit, Updater.Update
	opDelete = "delete" // Store.Delete, UserIndex.DeleteUser
)

// A StoreObserver is told of each call the [Manager] makes to its store:
// the operation ("load" for Store.Find, "save" for Store.Commit and
// Updater.Update, "delete" for Store.Delete and UserIndex.DeleteUser; no
// other value), the time it took (up to StoreTimeout when the store hangs)
// and its error, nil on success. A missing record is not an error. ObserveStore is called on the request's
// goroutine after the call returns; it must be safe for concurrent use
// and return quickly.
type StoreObserver interface {
	ObserveStore(op string, elapsed time.Duration, err error)
}

// observeStore wraps the manager's store (and its optional capabilities)
// so that every call is reported to o.
func (m *Manager) observeStore(o StoreObserver) {
	s := &observedStore{store: m.store, updater: m.updater, users: m.users, obs: o}
	m.store = s
	if m.updater != nil {
		m.updater = s
	}
	if m.users != nil {
		m.users = s
	}
}

// epoch is the origin of the store call timings: time.Since(epoch) reads
// only the monotonic clock, one clock read less per call than time.Now,
// which reads the wall clock too.
var epoch = time.Now()

// observedStore times the calls of the store it wraps. Only the methods
// whose capability the wrapped store has are ever called.
type observedStore struct {
	store   Store
	updater Updater
	users   UserIndex
	obs     StoreObserver
}

func (o *observedStore) Find(ctx context.Context, key string) ([]byte, bool, error) {
	start := time.Since(epoch)
	data, ok, err := o.store.Find(ctx, key)
	o.obs.ObserveStore(opLoad, time.Since(epoch)-start, err)
	return data, ok, err
}

func (o *observedStore) Commit(ctx context.Context, key string, rec Record) error {
	start := time.Since(epoch)
	err := o.store.Commit(ctx, key, rec)
	o.obs.ObserveStore(opSave, time.Since(epoch)-start, err)
	return err
}

func (o *observedStore) Delete(ctx context.Context, key string) error {
	start := time.Since(epoch)
	err := o.store.Delete(ctx, key)
	o.obs.ObserveStore(opDelete, time.Since(epoch)-start, err)
	return err
}

func (o *observedStore) Update(ctx context.Context, key string, rec Record) (bool, error) {
	start := time.Since(epoch)
	ok, err := o.updater.Update(ctx, key, rec)
	o.obs.ObserveStore(opSave, time.Since(epoch)-start, err)
	return ok, err
}

func (o *observedStore) DeleteUser(ctx context.Context, userID string) error {
	start := time.Since(epoch)
	err := o.users.DeleteUser(ctx, userID)
	o.obs.ObserveStore(opDelete, time.Since(epoch)-start, err)
	return err
}
