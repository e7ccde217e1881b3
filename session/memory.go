package session

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// defaultMemorySessions is the default bound of [NewMemoryStore].
const defaultMemorySessions = 10_000

// memoryStore is the store of [NewMemoryStore]. It lives in this package
// rather than a sub-package because it needs no dependency and is what the
// package's own tests and examples use.
type memoryStore struct {
	mu    sync.Mutex
	max   int
	items map[string]*list.Element // of *memItem
	lru   *list.List               // front: most recently saved
	users map[string]map[string]struct{}
	now   func() time.Time
}

type memItem struct {
	key    string
	data   []byte
	userID string
	expiry time.Time
}

// NewMemoryStore returns a store that keeps sessions in this process's
// memory, for tests and development only: sessions end at restart and are
// not shared between instances. It holds at most maxSessions sessions
// (10000 when maxSessions ≤ 0): when full, the least recently saved
// session is evicted; an expired session is removed when it is looked up.
// It implements [Updater] and [UserIndex].
func NewMemoryStore(maxSessions int) Store {
	if maxSessions <= 0 {
		maxSessions = defaultMemorySessions
	}
	return &memoryStore{
		max:   maxSessions,
		items: make(map[string]*list.Element),
		lru:   list.New(),
		users: make(map[string]map[string]struct{}),
		now:   time.Now,
	}
}

var (
	_ Store     = (*memoryStore)(nil)
	_ Updater   = (*memoryStore)(nil)
	_ UserIndex = (*memoryStore)(nil)
)

// Find implements [Store].
func (s *memoryStore) Find(_ context.Context, key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.live(key)
	if it == nil {
		return nil, false, nil
	}
	return append([]byte(nil), it.data...), true, nil
}

// Commit implements [Store].
func (s *memoryStore) Commit(_ context.Context, key string, rec Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.items[key]; ok {
		s.set(e, rec)
		return nil
	}
	for len(s.items) >= s.max {
		s.remove(s.lru.Back())
	}
	it := &memItem{key: key}
	s.items[key] = s.lru.PushFront(it)
	s.set(s.items[key], rec)
	return nil
}

// Update implements [Updater].
func (s *memoryStore) Update(_ context.Context, key string, rec Record) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live(key) == nil {
		return false, nil
	}
	s.set(s.items[key], rec)
	return true, nil
}

// Delete implements [Store].
func (s *memoryStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.items[key]; ok {
		s.remove(e)
	}
	return nil
}

// DeleteUser implements [UserIndex].
func (s *memoryStore) DeleteUser(_ context.Context, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key := range s.users[userID] {
		s.remove(s.items[key])
	}
	return nil
}

// live returns the unexpired item under key, removing an expired one.
func (s *memoryStore) live(key string) *memItem {
	e, ok := s.items[key]
	if !ok {
		return nil
	}
	it := e.Value.(*memItem)
	if !s.now().Before(it.expiry) {
		s.remove(e)
		return nil
	}
	return it
}

func (s *memoryStore) set(e *list.Element, rec Record) {
	it := e.Value.(*memItem)
	if it.userID != rec.UserID {
		s.unindex(it)
		if rec.UserID != "" {
			if s.users[rec.UserID] == nil {
				s.users[rec.UserID] = make(map[string]struct{})
			}
			s.users[rec.UserID][it.key] = struct{}{}
		}
	}
	it.data = append(it.data[:0], rec.Data...)
	it.userID = rec.UserID
	it.expiry = rec.Expiry
	s.lru.MoveToFront(e)
}

func (s *memoryStore) remove(e *list.Element) {
	it := e.Value.(*memItem)
	s.unindex(it)
	s.lru.Remove(e)
	delete(s.items, it.key)
}

func (s *memoryStore) unindex(it *memItem) {
	if it.userID == "" {
		return
	}
	delete(s.users[it.userID], it.key)
	if len(s.users[it.userID]) == 0 {
		delete(s.users, it.userID)
	}
}
