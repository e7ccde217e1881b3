package sqlitestore

import (
	"context"
	"database/sql"
)

// ExportDB returns the store's database handle, for the external tests.
func (s *Store) ExportDB() *sql.DB { return s.db }

// ExportCleanup deletes expired rows now, as the clean-up goroutine does.
func (s *Store) ExportCleanup(ctx context.Context) (int64, error) { return s.cleanup(ctx) }
