package redisstore

import (
	"context"
	"strconv"

	"github.com/harden-go/harden/session"
	"github.com/redis/go-redis/v9"
)

// On a Redis Cluster a session key and its user's set live in different
// slots, and a script may touch only the keys of one slot. There the store
// writes the index first, then the session, each atomic on its own: a
// session is still never live without being indexed (a failure between
// the two leaves an index entry without a session, which DeleteUser skips).
// The set is not pruned (its members live in other slots); it expires with
// the user's last session.

// indexScript adds a session to its user's set and keeps the set alive as
// long as the session.
//
//	KEYS[1] the user's set; ARGV[1] session key, ARGV[2] expiry (Unix ms)
var indexScript = redis.NewScript(`
local uk = KEYS[1]
local exp = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if exp <= now then
  return 0
end
redis.call('SADD', uk, ARGV[1])
local ttl = redis.call('PTTL', uk)
if ttl < 0 or now + ttl < exp then
  redis.call('PEXPIREAT', uk, exp)
end
return 1
`)

// deleteOwnedScript deletes a session if it belongs to the user, and
// reports whether the index entry may go: 1 when the session was deleted
// or belongs to another user, 0 when it does not exist (yet: a login
// between its index entry and its write must stay indexed).
//
//	KEYS[1] session hash; ARGV[1] user id
var deleteOwnedScript = redis.NewScript(`
local u = redis.call('HGET', KEYS[1], 'u')
if not u then
  return 0
end
if u == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 1
`)

// commitCluster is commit on a Redis Cluster.
func (s *store) commitCluster(ctx context.Context, key string, rec session.Record, mode string) (bool, error) {
	sk, exp := s.sessionKey(key), strconv.FormatInt(rec.Expiry.UnixMilli(), 10)
	if rec.UserID != "" {
		if err := indexScript.Run(ctx, s.client, []string{s.userKey(rec.UserID)}, sk, exp).Err(); err != nil {
			return false, err
		}
	}
	// An empty user-set prefix: commitScript writes the session only.
	n, err := commitScript.Run(ctx, s.client, []string{sk}, rec.Data, rec.UserID, exp, "", mode).Int()
	return n == 1, err
}

// deleteUserCluster is DeleteUser on a Redis Cluster: each session of the
// set is deleted in its own slot, and only the entries that are done with
// leave the set, so that a session indexed meanwhile is kept for the next
// DeleteUser.
func (s *store) deleteUserCluster(ctx context.Context, userID string) error {
	uk := s.userKey(userID)
	members, err := s.client.SMembers(ctx, uk).Result()
	if err != nil {
		return err
	}
	for _, m := range members {
		done, err := deleteOwnedScript.Run(ctx, s.client, []string{m}, userID).Int()
		if err != nil {
			return err
		}
		if done == 1 {
			if err := s.client.SRem(ctx, uk, m).Err(); err != nil {
				return err
			}
		}
	}
	return nil
}
