package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/harden-go/harden/authz"
	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/input/validate"
	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/internal/redisclient"
	"github.com/harden-go/harden/metrics"
	"github.com/harden-go/harden/password"
	"github.com/harden-go/harden/session"
	"github.com/harden-go/harden/session/pgstore"
	sessionredis "github.com/harden-go/harden/session/redisstore"
	"github.com/harden-go/harden/session/sqlitestore"
	"github.com/harden-go/harden/ssrf"
)

// openTimeout bounds opening the database and the session store.
const openTimeout = 15 * time.Second

// sessionStoreTimeout bounds each call of the session store (Redis,
// PostgreSQL or SQLite): past it the request gets 503.
const sessionStoreTimeout = time.Second

// Body limits of the routes that take more than the default 10 KiB.
const (
	// contactMaxBytes fits 5000 characters of any script and the other
	// fields, also as a form post, where each byte of a character's up to
	// 3 (4 for emoji, counted as 2 by maxlength) UTF-8 bytes is
	// percent-encoded in 3: 5000 × 9 bytes.
	contactMaxBytes = 64 << 10
	// avatarMaxBytes is the largest avatar file.
	avatarMaxBytes = 5 << 20
)

// openData opens the database (SQLite in DataDir, or PostgreSQL) and
// returns the session store: Redis when RedisURL is set, else the
// database's own handle, so sessions live beside the users (one file to
// back up, one server to run).
func (a *App) openData(cfg Config) (session.Store, error) {
	ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
	defer cancel()
	db, err := appdb.Open(ctx, appdb.Config{DataDir: cfg.DataDir, DatabaseURL: cfg.DatabaseURL})
	if err != nil {
		if cfg.DatabaseURL != "" {
			return nil, fmt.Errorf("HARDEN_DATABASE_URL: %w", err)
		}
		return nil, fmt.Errorf("HARDEN_DATA_DIR: %w", err)
	}
	a.db = db
	a.closers = append(a.closers, db.Close)
	// The database holds the users and messages, and the sessions unless
	// Redis does.
	if pool := db.Pool(); pool != nil {
		a.AddReadyCheck("postgresql", pool.Ping)
	} else {
		a.AddReadyCheck("sqlite", db.SQL().PingContext)
	}

	// Avatars are files under the data directory, whatever the database.
	dir := filepath.Join(cfg.DataDir, "avatars")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("HARDEN_DATA_DIR: %w", err)
	}
	// os.Root keeps every write inside the directory, whatever the name.
	if a.avatars, err = os.OpenRoot(dir); err != nil {
		return nil, fmt.Errorf("HARDEN_DATA_DIR: %w", err)
	}
	a.closers = append(a.closers, a.avatars.Close)

	var store session.Store
	switch {
	case cfg.RedisURL != "":
		// A hung or dead server is waited for no longer than the session
		// store's timeout: every wait of the client (dial, read, write,
		// pool) honours the call's deadline, so a request needing a
		// session gets 503 rather than hanging. One server, a Cluster or
		// a Sentinel-managed primary, by the URL's scheme.
		client, err := redisclient.New(cfg.RedisURL, sessionStoreTimeout)
		if err != nil {
			return nil, errors.New("HARDEN_REDIS_URL: invalid Redis URL")
		}
		a.closers = append(a.closers, client.Close)
		a.AddReadyCheck("redis (sessions)", func(ctx context.Context) error { return client.Ping(ctx).Err() })
		// Behind Sentinels a login is acknowledged only once a replica
		// has its session: a failover must not sign users out whom it
		// told they were signed in.
		scfg := sessionredis.Config{}
		if strings.HasPrefix(cfg.RedisURL, "redis-sentinel://") || strings.HasPrefix(cfg.RedisURL, "rediss-sentinel://") {
			scfg.WaitReplicas = 1
		}
		rs, err := sessionredis.New(client, scfg)
		if err != nil {
			return nil, fmt.Errorf("HARDEN_REDIS_URL: %w", err)
		}
		store = rs
	case db.Pool() != nil:
		ps, err := pgstore.New(ctx, db.Pool(), pgstore.Config{Logger: a.logger})
		if err != nil {
			return nil, fmt.Errorf("HARDEN_DATABASE_URL: session store: %w", err)
		}
		a.closers = append(a.closers, func() error { ps.Close(); return nil })
		store = ps
	default:
		ss, err := sqlitestore.New(db.SQL(), sqlitestore.Config{Logger: a.logger})
		if err != nil {
			return nil, fmt.Errorf("HARDEN_DATA_DIR: session store: %w", err)
		}
		a.closers = append(a.closers, func() error { ss.Close(); return nil })
		store = ss
	}
	return store, nil
}

// layers builds the tools the routes use.
func (a *App) layers(cfg Config) (err error) {
	// Roles are read from the database on every guarded request, not from
	// a snapshot in the session: a demoted admin loses access at once.
	a.guard, err = authz.New(authz.Config{
		Roles: func(r *http.Request, userID string) ([]string, error) {
			u, err := a.db.UserByID(r.Context(), userID)
			if errors.Is(err, appdb.ErrNotFound) {
				return nil, nil // a deleted account has no role
			}
			if err != nil {
				return nil, err
			}
			return []string{u.Role}, nil
		},
		Logger: a.logger,
	})
	if err != nil {
		return err
	}
	a.hasher = cfg.hasher
	if a.hasher == nil {
		if a.hasher, err = password.New(password.Config{}); err != nil {
			return err
		}
	}
	if a.valid, err = validate.New(validate.Config{}); err != nil {
		return err
	}
	if a.contactV, err = validate.New(validate.Config{JSON: input.JSONConfig{MaxBytes: contactMaxBytes}}); err != nil {
		return err
	}
	// Tags are checked now, not at the first request.
	if err := a.valid.Prepare(registration{}, credentials{}, previewRequest{}); err != nil {
		return err
	}
	if err := a.contactV.Prepare(contactForm{}); err != nil {
		return err
	}
	if a.upload, err = input.NewUpload(input.UploadConfig{Field: "avatar", MaxFileBytes: avatarMaxBytes}); err != nil {
		return err
	}
	pcfg := ssrf.Config{}
	if cfg.previewSSRF.DangerouslyDialContext != nil {
		pcfg = cfg.previewSSRF
	}
	if a.preview, err = ssrf.New(pcfg); err != nil {
		return err
	}
	return nil
}

// sessionObserver is m as the session store's observer, nil (not a nil
// *Metrics in an interface) without metrics.
func sessionObserver(m *metrics.Metrics) session.StoreObserver {
	if m == nil {
		return nil
	}
	return m
}
