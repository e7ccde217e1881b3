package pgstore

import "context"

// ExportCleanup deletes expired rows now, as the clean-up goroutine does.
func (s *Store) ExportCleanup(ctx context.Context) (int64, error) { return s.cleanup(ctx) }
