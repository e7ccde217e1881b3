// Package redisstore keeps harden sessions in Redis, shared by every
// instance of a service, through github.com/redis/go-redis/v9.
//
//	client := redis.NewClient(opts) // from redis.ParseURL(HARDEN_REDIS_URL)
//	store, err := redisstore.New(client, redisstore.Config{})
//	m, err := session.New(session.Config{Keys: ring, Store: store})
//
// Each session is a hash under Prefix+"s:"+key holding the data ("d") and
// the user id ("u"), expiring with the session (PEXPIREAT, so Redis removes
// it itself). Each signed-in user has a set under Prefix+"u:"+userID
// listing their sessions, for ending them all at once; it expires with
// the user's last session and is pruned of ended sessions as it grows.
// Writes are Lua scripts, so a commit (data, expiry, index) is atomic: no
// reader sees half of it, and a session is never live without being
// indexed. Redis sees only a hash of the session id and (by default)
// encrypted data.
//
// Requirements: Redis 6.2 or later (or a compatible server), standalone,
// with replicas/Sentinel, or a Redis Cluster (a *redis.ClusterClient).
// On a Cluster a session key and its user's set live in different slots:
// the store writes the index, then the session (each atomic, so a session
// is never live without being indexed), and DeleteUser deletes each
// session in its own slot. A session acknowledged to the client survives a
// Sentinel or Cluster failover only if the replica had it: Redis
// replication is asynchronous.
//
// Failures: every Redis error (connection refused, timeout, READONLY
// replica) is returned to the Manager, which answers 503. Every call
// returns within the Manager's StoreTimeout (and the request's deadline),
// even from a hung server and whatever the client's own timeouts. Make the
// client honour deadlines too (set ContextTimeoutEnabled and dial, read,
// write and pool timeouts no longer than StoreTimeout), so that a call cut
// short also frees its connection.
package redisstore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/session"
)

// defaultPrefix is the default key prefix.
const defaultPrefix = "harden:session:"

// Config configures the store of [New]. The zero value is the default.
type Config struct {
	// Prefix starts every key the store writes. Default "harden:session:".
	// Give each application sharing a Redis its own.
	Prefix string `json:"prefix,omitempty" yaml:"prefix,omitempty"`

	// WaitReplicas, when positive, makes every commit wait (Redis's WAIT,
	// on the commit's own connection) until that many replicas have it,
	// and fail otherwise, so that a session acknowledged to the client
	// survives a failover to one of them. The wait is bounded by the
	// call's deadline (the Manager's StoreTimeout); a commit that fewer
	// replicas acknowledged in time fails with "redisstore: the session
	// was not replicated in time", and the Manager answers 503. Default 0:
	// no wait.
	// Not available on a Redis Cluster client (New refuses it).
	WaitReplicas int `json:"wait_replicas,omitempty" yaml:"wait_replicas,omitempty"`
}

// errNotReplicated is returned by a commit that fewer than
// Config.WaitReplicas replicas acknowledged in time.
var errNotReplicated = errors.New("redisstore: the session was not replicated in time")

// store is the session.Store of [New].
type store struct {
	client  redis.UniversalClient
	prefix  string
	cluster bool // a Redis Cluster: no script spans the session and user keys
	wait    int  // Config.WaitReplicas
}

var (
	_ session.Store     = (*store)(nil)
	_ session.Updater   = (*store)(nil)
	_ session.UserIndex = (*store)(nil)
)

// New returns a session.Store on client that also implements
// session.Updater and session.UserIndex, and is safe for concurrent use.
// It does not contact the server.
func New(client redis.UniversalClient, cfg Config) (session.Store, error) {
	if client == nil {
		return nil, errors.New("redisstore: nil client")
	}
	prefix := cfg.Prefix
	if prefix == "" {
		prefix = defaultPrefix
	}
	_, cluster := client.(*redis.ClusterClient)
	if cluster && cfg.WaitReplicas > 0 {
		return nil, &configerr.Error{Pkg: "redisstore", Field: "wait_replicas", Index: -1, Value: strconv.Itoa(cfg.WaitReplicas),
			Reason: "not available on a Redis Cluster; set 0", Err: session.ErrInvalidConfig}
	}
	return &store{client: client, prefix: prefix, cluster: cluster, wait: cfg.WaitReplicas}, nil
}

func (s *store) sessionKey(key string) string { return s.prefix + "s:" + key }
func (s *store) userKey(user string) string   { return s.prefix + "u:" + user }

// commitScript writes a session and, unless ARGV[4] is empty, indexes it
// under its user. On a Redis Cluster ARGV[4] is empty: the user's set is in
// another slot, and the index is written first by indexScript.
//
//	KEYS[1] session hash, KEYS[2] the user's set (absent or "" when
//	anonymous or unindexed)
//	ARGV[1] data, ARGV[2] user id, ARGV[3] expiry (Unix ms),
//	ARGV[4] user-set key prefix ("": no index), ARGV[5] "update" to write
//	only if the session still exists
//
// It returns 1 when written, 0 when an update found no session.
var commitScript = redis.NewScript(`
local sk = KEYS[1]
if ARGV[5] == 'update' and redis.call('EXISTS', sk) == 0 then
  return 0
end
local exp = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local indexed = ARGV[4] ~= ''
if indexed then
  local old = redis.call('HGET', sk, 'u')
  if old and old ~= '' and old ~= ARGV[2] then
    redis.call('SREM', ARGV[4] .. old, sk)
  end
end
if exp <= now then
  redis.call('DEL', sk)
  return 1
end
redis.call('HSET', sk, 'd', ARGV[1], 'u', ARGV[2])
redis.call('PEXPIREAT', sk, exp)
if indexed and ARGV[2] ~= '' then
  local uk = KEYS[2]
  redis.call('SADD', uk, sk)
  local ttl = redis.call('PTTL', uk)
  if ttl < 0 or now + ttl < exp then
    redis.call('PEXPIREAT', uk, exp)
  end
  if redis.call('SCARD', uk) > 32 then
    for _, m in ipairs(redis.call('SMEMBERS', uk)) do
      if redis.call('EXISTS', m) == 0 then
        redis.call('SREM', uk, m)
      end
    end
  end
end
return 1
`)

// deleteUserScript deletes every session in the user's set that still
// belongs to the user, then the set.
//
//	KEYS[1] the user's set, ARGV[1] user id
var deleteUserScript = redis.NewScript(`
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('HGET', m, 'u') == ARGV[1] then
    redis.call('DEL', m)
  end
end
redis.call('DEL', KEYS[1])
return 1
`)

// Find implements session.Store.
func (s *store) Find(ctx context.Context, key string) ([]byte, bool, error) {
	data, err := s.client.HGet(ctx, s.sessionKey(key), "d").Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}

func (s *store) commit(ctx context.Context, key string, rec session.Record, mode string) (bool, error) {
	if s.cluster {
		return s.commitCluster(ctx, key, rec, mode)
	}
	userKey := ""
	if rec.UserID != "" {
		userKey = s.userKey(rec.UserID)
	}
	keys := []string{s.sessionKey(key), userKey}
	args := []any{rec.Data, rec.UserID, strconv.FormatInt(rec.Expiry.UnixMilli(), 10), s.prefix + "u:", mode}
	if s.wait > 0 {
		return s.commitReplicated(ctx, keys, args)
	}
	n, err := commitScript.Run(ctx, s.client, keys, args...).Int()
	return n == 1, err
}

// commitReplicated runs the commit and WAIT in one pipeline: WAIT counts
// the replicas that have the writes of its own connection, so both must go
// on the same one.
func (s *store) commitReplicated(ctx context.Context, keys []string, args []any) (bool, error) {
	ms := int64(1000)
	if d, ok := ctx.Deadline(); ok {
		// Leave the reply time to come back within the deadline.
		ms = max(1, time.Until(d).Milliseconds()*3/4)
	}
	var commit *redis.Cmd
	var wait *redis.Cmd
	_, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		commit = commitScript.Eval(ctx, p, keys, args...)
		wait = p.Do(ctx, "WAIT", s.wait, ms)
		return nil
	})
	if err != nil {
		return false, err
	}
	n, err := commit.Int()
	if err != nil {
		return false, err
	}
	if acked, err := wait.Int64(); err != nil || acked < int64(s.wait) {
		return false, errNotReplicated
	}
	return n == 1, nil
}

// Commit implements session.Store.
func (s *store) Commit(ctx context.Context, key string, rec session.Record) error {
	_, err := s.commit(ctx, key, rec, "commit")
	return err
}

// Update implements session.Updater.
func (s *store) Update(ctx context.Context, key string, rec session.Record) (bool, error) {
	return s.commit(ctx, key, rec, "update")
}

// Delete implements session.Store. The user's set keeps the key until it
// is pruned; DeleteUser skips keys that no longer exist.
func (s *store) Delete(ctx context.Context, key string) error {
	return s.client.Del(ctx, s.sessionKey(key)).Err()
}

// DeleteUser implements session.UserIndex.
func (s *store) DeleteUser(ctx context.Context, userID string) error {
	if userID == "" {
		return nil
	}
	if s.cluster {
		return s.deleteUserCluster(ctx, userID)
	}
	return deleteUserScript.Run(ctx, s.client, []string{s.userKey(userID)}, userID).Err()
}
