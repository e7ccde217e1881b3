package redisclient

import (
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrBadURL is returned for a Redis URL that does not parse. Its text never
// repeats the URL, which may hold a password. It names redisstore, whose
// Open returns it.
var ErrBadURL = errors.New("redisstore: invalid Redis URL")

// ErrNoMasterName is returned for a Sentinel URL without master_name.
var ErrNoMasterName = errors.New("redisstore: a redis-sentinel URL needs master_name=NAME")

// New returns a Redis client for url, with its timeouts set as [Options]
// sets them. The scheme says what url names:
//
//	redis://[[user]:password@]host:port[/db]     one server ("rediss://": TLS)
//	redis-cluster://[[user]:password@]host:port?addr=host:port&addr=...
//	                                             a Redis Cluster: the seed nodes
//	                                             ("rediss-cluster://": TLS)
//	redis-sentinel://[[user]:password@]host:port[/db]?master_name=NAME&addr=host:port&...
//	                                             the primary that the Sentinels
//	                                             name NAME ("rediss-sentinel://":
//	                                             TLS); the password is the
//	                                             Sentinels' and the servers'
//
// The query parameters are go-redis's (ParseURL, ParseClusterURL and
// ParseFailoverURL): more addresses with addr, and options such as
// client_name. Timeouts given there are replaced by timeout. It does not
// contact the servers.
func New(url string, timeout time.Duration) (redis.UniversalClient, error) {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return nil, ErrBadURL
	}
	switch scheme {
	case "redis", "rediss":
		opt, err := redis.ParseURL(url)
		if err != nil {
			return nil, ErrBadURL
		}
		return redis.NewClient(Options(opt, timeout)), nil
	case "redis-cluster", "rediss-cluster":
		opt, err := redis.ParseClusterURL(strings.TrimSuffix(scheme, "-cluster") + "://" + rest)
		if err != nil {
			return nil, ErrBadURL
		}
		opt.ContextTimeoutEnabled = true
		opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout = timeout, timeout, timeout, timeout
		// MOVED and ASK redirections (a resharding, a failover) are still
		// followed, within the same deadline; other retries are not.
		opt.MaxRetries = -1
		return redis.NewClusterClient(opt), nil
	case "redis-sentinel", "rediss-sentinel":
		opt, err := redis.ParseFailoverURL(strings.TrimSuffix(scheme, "-sentinel") + "://" + rest)
		if err != nil {
			return nil, ErrBadURL
		}
		if opt.MasterName == "" {
			return nil, ErrNoMasterName
		}
		// One password for the Sentinels and the servers they name, the
		// usual deployment.
		if opt.Password == "" {
			opt.Username, opt.Password = opt.SentinelUsername, opt.SentinelPassword
		}
		opt.ContextTimeoutEnabled = true
		opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout = timeout, timeout, timeout, timeout
		opt.MaxRetries = -1
		return redis.NewFailoverClient(opt), nil
	}
	return nil, ErrBadURL
}

// Options sets opt's timeouts for a client whose calls must return within
// timeout: the client honours each call's context deadline
// (ContextTimeoutEnabled), dials, reads, writes and waits for a pooled
// connection no longer than timeout, and does not retry (a retry would
// only spend the same deadline). It returns opt.
func Options(opt *redis.Options, timeout time.Duration) *redis.Options {
	opt.ContextTimeoutEnabled = true
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout = timeout, timeout, timeout, timeout
	opt.MaxRetries = -1
	return opt
}
