package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/internal/redisclient"
	"github.com/harden-go/harden/internal/testenv"
	"github.com/harden-go/harden/internal/testserver"
	"github.com/harden-go/harden/session"
	"github.com/harden-go/harden/session/internal/storetest"
	"github.com/harden-go/harden/session/redisstore"
)

// TestWaitReplicasRefusesUnreplicatedCommit: on a server without replicas
// a store that waits for one fails the commit within the call's deadline,
// so the Manager answers 503 instead of acknowledging a session a
// failover would lose.
func TestWaitReplicasRefusesUnreplicatedCommit(t *testing.T) {
	c := client(t, testenv.RedisURL(t))
	s, err := redisstore.New(c, redisstore.Config{Prefix: prefix(t, c), WaitReplicas: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Commit(ctx, "k1", session.Record{Data: []byte("d"), UserID: "u1", Expiry: time.Now().Add(time.Hour)})
	if !errors.Is(err, redisstore.ExportErrNotReplicated) {
		t.Errorf("Commit = %v, want errNotReplicated", err)
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("Commit took %v, want within the 400ms deadline", took)
	}
}

func TestWaitReplicasNotOnCluster(t *testing.T) {
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	defer cc.Close()
	_, err := redisstore.New(cc, redisstore.Config{WaitReplicas: 1})
	const want = `redisstore: wait_replicas "1": not available on a Redis Cluster; set 0`
	var ce *configerr.Error
	if !errors.As(err, &ce) || !errors.Is(err, session.ErrInvalidConfig) || err.Error() != want {
		t.Errorf("New = %v, want %s", err, want)
	}
}

// TestConformanceCluster runs the store conformance suite (DeleteUser
// included) on a real three-master Redis Cluster, where a session and its
// user's index live in different slots.
func TestConformanceCluster(t *testing.T) {
	url := testserver.RedisCluster(t)
	storetest.Run(t, func(t *testing.T) session.Store {
		c, err := redisclient.New(url, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		s, err := redisstore.New(c, redisstore.Config{Prefix: "harden-test:" + t.Name() + ":"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
