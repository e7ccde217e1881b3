package testserver

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// redisProc starts one redis-server (or, with sentinel, redis-sentinel
// mode) on a free loopback port with the extra configuration lines conf,
// stopped at the end of the test, and returns its address and process.
func redisProc(t testing.TB, bin string, conf []string, sentinel bool) (string, *exec.Cmd) {
	t.Helper()
	port := freePort(t)
	dir := t.TempDir()
	lines := append([]string{
		"bind 127.0.0.1", "port " + strconv.Itoa(port), "save \"\"", "appendonly no",
		"dir " + dir, "logfile " + filepath.Join(dir, "redis.log"),
	}, conf...)
	file := filepath.Join(dir, "redis.conf")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{file}
	if sentinel {
		args = append(args, "--sentinel")
	}
	cmd := exec.Command(bin, args...) // #nosec G204 -- redis-server found on PATH; the config file is ours
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); !redisPing(addr); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log")) // #nosec G304 -- in this test's own temp directory
			t.Fatalf("redis on %s did not answer:\n%s", addr, log)
		}
	}
	return addr, cmd
}

// RedisCluster starts a Redis Cluster of three masters without replicas on
// loopback (redis-server --cluster-enabled yes, joined by redis-cli
// --cluster create) and returns its redis-cluster:// URL naming every node.
func RedisCluster(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		missing(t, "redis-server")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		missing(t, "redis-cli")
	}
	var addrs []string
	for range 3 {
		addr, _ := redisProc(t, bin, []string{"cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 2000"}, false)
		addrs = append(addrs, addr)
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.Command(cli, args...).CombinedOutput() // #nosec G204 -- redis-cli found on PATH; loopback addresses of our servers
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	// Every node must see all 16384 slots served before clients start.
	for _, a := range addrs {
		host, port, _ := net.SplitHostPort(a)
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			info, _ := exec.Command(cli, "-h", host, "-p", port, "cluster", "info").Output() // #nosec G204 -- as above
			if bytes.Contains(info, []byte("cluster_state:ok")) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("cluster not ok on %s:\n%s", a, info)
			}
		}
	}
	return fmt.Sprintf("redis-cluster://%s?addr=%s&addr=%s", addrs[0], addrs[1], addrs[2])
}

// Sentinel is a primary, one replica and three Sentinels watching them.
type Sentinel struct {
	// URL is the redis-sentinel:// URL naming the three Sentinels.
	URL string
	// Primary and Replica are the servers' addresses at the start.
	Primary, Replica string
	primary          *exec.Cmd
}

// MasterName is the name under which the Sentinels of [RedisSentinel]
// know the primary.
const MasterName = "harden"

// RedisSentinel starts a primary, a replica of it and three Sentinels
// (quorum 2, down after 500 ms) on loopback.
func RedisSentinel(t testing.TB) *Sentinel {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		missing(t, "redis-server")
	}
	s := &Sentinel{}
	s.Primary, s.primary = redisProc(t, bin, nil, false)
	host, port, _ := net.SplitHostPort(s.Primary)
	s.Replica, _ = redisProc(t, bin, []string{"replicaof " + host + " " + port}, false)
	// The replica must have synced before the first write is expected
	// to reach it.
	rhost, rport, _ := net.SplitHostPort(s.Replica)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		info, _ := exec.Command("redis-cli", "-h", rhost, "-p", rport, "info", "replication").Output() // #nosec G204 -- loopback address of our server
		if bytes.Contains(info, []byte("master_link_status:up")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica did not sync:\n%s", info)
		}
	}
	var sentinels []string
	for range 3 {
		addr, _ := redisProc(t, bin, []string{
			"sentinel monitor " + MasterName + " " + host + " " + port + " 2",
			"sentinel down-after-milliseconds " + MasterName + " 500",
			"sentinel failover-timeout " + MasterName + " 5000",
			"sentinel parallel-syncs " + MasterName + " 1",
		}, true)
		sentinels = append(sentinels, addr)
	}
	s.URL = fmt.Sprintf("redis-sentinel://%s?master_name=%s&addr=%s&addr=%s", sentinels[0], MasterName, sentinels[1], sentinels[2])
	return s
}

// KillPrimary kills the primary at once (SIGKILL by its PID), as a crash.
func (s *Sentinel) KillPrimary(t testing.TB) {
	t.Helper()
	if err := s.primary.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = s.primary.Wait()
}
