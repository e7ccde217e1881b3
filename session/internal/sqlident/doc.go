// Package sqlident checks the SQL identifiers (table and schema names)
// that the session stores splice into their queries. An identifier cannot
// be a bind parameter, so this check is what keeps a configured name from
// carrying SQL into a statement.
//
// Imports: the standard library only.
package sqlident
