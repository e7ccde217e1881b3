package session

import (
	"context"

	"github.com/harden-go/harden/internal/storeguard"
)

// boundedStore makes every call of the store it wraps return by its
// context's deadline (the request's, and StoreTimeout), even when the
// store's client waits longer: a hung Redis or PostgreSQL must not hold
// requests for the client's own timeouts (seconds) when the Manager's is
// shorter. It keeps the store's optional interfaces.
//
// A successful call ends a reported outage (see Manager.logStoreError).
type boundedStore struct {
	store   Store
	updater Updater   // nil when the store has none
	users   UserIndex // nil when the store has none
	rep     *storeguard.Reporter
}

// done reports a successful call to the Manager's reporter.
func (b *boundedStore) done(ctx context.Context, err error) {
	if err == nil && b.rep != nil {
		b.rep.Success(ctx)
	}
}

type found struct {
	data []byte
	ok   bool
}

func (b *boundedStore) Find(ctx context.Context, key string) ([]byte, bool, error) {
	f, err := storeguard.Call(ctx, 0, func(ctx context.Context) (found, error) {
		data, ok, err := b.store.Find(ctx, key)
		return found{data, ok}, err
	})
	b.done(ctx, err)
	return f.data, f.ok, err
}

func (b *boundedStore) Commit(ctx context.Context, key string, rec Record) error {
	_, err := storeguard.Call(ctx, 0, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, b.store.Commit(ctx, key, rec)
	})
	b.done(ctx, err)
	return err
}

func (b *boundedStore) Delete(ctx context.Context, key string) error {
	_, err := storeguard.Call(ctx, 0, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, b.store.Delete(ctx, key)
	})
	b.done(ctx, err)
	return err
}

func (b *boundedStore) Update(ctx context.Context, key string, rec Record) (bool, error) {
	ok, err := storeguard.Call(ctx, 0, func(ctx context.Context) (bool, error) {
		return b.updater.Update(ctx, key, rec)
	})
	b.done(ctx, err)
	return ok, err
}

func (b *boundedStore) DeleteUser(ctx context.Context, userID string) error {
	_, err := storeguard.Call(ctx, 0, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, b.users.DeleteUser(ctx, userID)
	})
	b.done(ctx, err)
	return err
}
