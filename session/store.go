package session

import (
	"context"
	"time"
)

// Store keeps session records. The Manager hands it only the store key (a
// SHA-256 hash of the session id, never the id) and opaque data (encrypted
// unless DangerouslyPlaintextData is set).
//
// The contract, which a conformance suite checks for every store of harden:
//   - Find returns (nil, false, nil) when there is no record under key or
//     the record's expiry has passed. A missing record is never an error:
//     errors are for system failures (a store that cannot answer), which
//     the Manager turns into 503 responses.
//   - Commit adds or replaces the record under key.
//   - Delete removes the record under key; deleting a missing record is not
//     an error.
//   - Records past their expiry must not be returned, and should be
//     removed eventually (TTL, periodic clean-up, or eviction).
//
// Implementations must be safe for concurrent use. Optional capabilities
// ([Updater], [UserIndex]) are detected at run time.
type Store interface {
	Find(ctx context.Context, key string) (data []byte, found bool, err error)
	Commit(ctx context.Context, key string, rec Record) error
	Delete(ctx context.Context, key string) error
}

// Record is what a Store keeps under a key.
type Record struct {
	// Data is the encoded (normally encrypted) session. Stores keep it as
	// is and must not retain the slice after Commit returns.
	Data []byte
	// UserID is the signed-in user, "" for an anonymous session. Stores
	// that implement [UserIndex] index records by it.
	UserID string
	// Expiry is when the record stops being valid.
	Expiry time.Time
}

// Updater is implemented by stores that can replace a record only while it
// still exists. The Manager uses it when saving a session it loaded, so a
// request that was in flight while the session was destroyed elsewhere
// (logout in another tab, [Manager.DestroyUser]) cannot bring it back.
type Updater interface {
	// Update replaces the record under key if one exists and has not
	// expired, and reports whether it did.
	Update(ctx context.Context, key string, rec Record) (found bool, err error)
}

// UserIndex is implemented by stores that can end every session of a user
// (after a password change, a role change, or "log out everywhere").
type UserIndex interface {
	// DeleteUser deletes every record committed with Record.UserID ==
	// userID.
	DeleteUser(ctx context.Context, userID string) error
}
