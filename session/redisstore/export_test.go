package redisstore

// ExportErrNotReplicated is errNotReplicated, for the external tests.
var ExportErrNotReplicated = errNotReplicated
