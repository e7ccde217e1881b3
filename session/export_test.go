package session

// The errors a handler gets for calling Login, Logout, Regenerate or Save
// where it must not, for the external tests.
var (
	ExportErrNoSession      = errNoSession
	ExportErrHeadersWritten = errHeadersWritten
	ExportErrEmptyUserID    = errEmptyUserID
)

// MemoryStore is the store of NewMemoryStore, for the external tests that
// wrap it or count its sessions.
type MemoryStore = memoryStore

// NewTestMemoryStore is NewMemoryStore returning the concrete store.
func NewTestMemoryStore(maxSessions int) *MemoryStore {
	return NewMemoryStore(maxSessions).(*memoryStore)
}

// Len returns the number of sessions held, expired ones included.
func (s *memoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items)
}
