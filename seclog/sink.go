package seclog

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"sync"
)

// errClosed is returned by writes and by [Logger.Reopen] after
// [Logger.Close].
var errClosed = errors.New("seclog: logger closed")

// sink is the destination of the JSON lines: a file that can be reopened by
// path, or a fixed writer. slog's handler already writes each line with one
// Write call under its own lock; sink's lock only orders writes against
// Reopen and Close.
type sink struct {
	mu     sync.Mutex
	w      io.Writer // the fixed writer, or the current file
	f      *os.File  // the current file when path != ""
	path   string
	mode   fs.FileMode
	closed bool
	// onError, when set, is told of each failed write (not of writes
	// dropped after close, which are intended).
	onError func(error)
}

func openLogFile(path string, mode fs.FileMode) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, mode) // #nosec G304 -- the log file path is the operator's configuration
}

// open opens the file for the first time.
func (s *sink) open() error {
	f, err := openLogFile(s.path, s.mode)
	if err != nil {
		return err
	}
	s.f, s.w = f, f
	return nil
}

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, errClosed
	}
	n, err := s.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil && s.onError != nil {
		s.onError(err)
	}
	return n, err
}

// reopen swaps the file for a newly opened one of the same path. The old
// file is closed only once the new one is in place, so no event is lost
// and a failed open keeps the old file.
func (s *sink) reopen() error {
	if s.path == "" {
		return nil
	}
	f, err := openLogFile(s.path, s.mode)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = f.Close()
		return errClosed
	}
	old := s.f
	s.f, s.w = f, f
	s.mu.Unlock()
	return old.Close()
}

// current returns the open file (tests watch it change on reopen).
func (s *sink) current() *os.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.f
}

func (s *sink) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.f != nil {
		return s.f.Close()
	}
	return nil
}
