package sqlitestore

import "database/sql"

// ExportDB returns the store's database handle, for the external tests.
func (s *Store) ExportDB() *sql.DB { return s.db }
