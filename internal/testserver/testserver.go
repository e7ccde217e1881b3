// Package testserver starts throwaway Redis and PostgreSQL servers owned by
// one test, so that the test can stop them (outage tests) without
// disturbing the shared servers other tests use. Like internal/testenv, a
// missing binary skips the test under plain "go test" and fails it under
// the test command (HARDEN_TEST_REQUIRE_SERVICES=1).
package testserver

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// requireServices is internal/testenv's switch (read here directly, so
// that this package stays a core package importing only the standard
// library).
const requireServices = "HARDEN_TEST_REQUIRE_SERVICES"

func missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv(requireServices) == "1" {
		t.Fatalf("%s is required by the test command but was not found", what)
	}
	t.Skipf("skipping: %s not found", what)
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Server is a server started by a test.
type Server struct {
	// URL is the redis:// URL or postgres:// DSN of the server.
	URL   string
	start func(t testing.TB)
	stop  func()
	once  sync.Once
	// pids returns the server's processes, the parent first.
	pids func() []int
}

// Pause freezes the server with SIGSTOP, as a hung host would: its
// sockets accept connections (the kernel's backlog) but nothing answers.
// The parent is stopped first, so that it forks no new process meanwhile.
// Resume is also called at the end of the test.
func (s *Server) Pause(t testing.TB) {
	t.Helper()
	t.Cleanup(func() { s.Resume(t) })
	for _, pid := range s.pids() {
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatalf("SIGSTOP %d: %v", pid, err)
		}
	}
}

// Resume continues a paused server with SIGCONT, children first.
func (s *Server) Resume(t testing.TB) {
	t.Helper()
	pids := s.pids()
	for i := len(pids) - 1; i >= 0; i-- {
		_ = syscall.Kill(pids[i], syscall.SIGCONT)
	}
}

// children returns the processes whose parent is pid (from /proc).
func children(pid int) []int {
	var out []int
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		b, err := os.ReadFile(f) // #nosec G304 -- /proc entries
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold spaces, so split
		// after its closing parenthesis.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(b[i+1:]))
		if len(fields) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid == pid {
			if c, err := strconv.Atoi(filepath.Base(filepath.Dir(f))); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// Stop stops the server (at once, like a crash). It is also called at the
// end of the test.
func (s *Server) Stop() { s.once.Do(s.stop) }

// Restart starts a stopped server again on the same port, as a restarted
// host would come back: for PostgreSQL with the same data directory, for
// Redis empty (it keeps nothing on disk). It fails the test if the server
// does not answer within 30 s.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.start(t)
	s.once = sync.Once{}
}

// Redis starts redis-server on a free loopback port, without persistence,
// as a child process that Stop kills by its PID.
func Redis(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		missing(t, "redis-server")
	}
	port := freePort(t)
	dir := t.TempDir()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var cmd *exec.Cmd
	s := &Server{URL: fmt.Sprintf("redis://%s/0", addr)}
	s.start = func(t testing.TB) {
		t.Helper()
		cmd = exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), // #nosec G204 -- redis-server found on PATH; arguments are ours (port, temp dir)
			"--save", "", "--appendonly", "no", "--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting redis-server: %v", err)
		}
		for deadline := time.Now().Add(10 * time.Second); !redisPing(addr); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(filepath.Join(dir, "redis.log")) // #nosec G304 -- in this test's own temp directory
				t.Fatalf("redis-server did not answer on %s:\n%s", addr, log)
			}
		}
	}
	s.pids = func() []int { return []int{cmd.Process.Pid} }
	s.stop = func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	t.Cleanup(s.Stop)
	s.start(t)
	return s
}

func redisPing(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// pgBin returns the directory of PostgreSQL's server binaries.
func pgBin() string {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) < version(dirs[j]) })
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "pg_ctl")); err == nil {
			return dirs[i]
		}
	}
	return ""
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

// Postgres initialises a throwaway PostgreSQL cluster (trust
// authentication, no fsync) listening on a free loopback port. Stop shuts
// it down in immediate mode (no checkpoint, like a crash). As root, the
// cluster runs as the postgres system user.
func Postgres(t testing.TB) *Server {
	t.Helper()
	bin := pgBin()
	if bin == "" {
		missing(t, "PostgreSQL server binaries (pg_ctl, initdb)")
	}
	runAs, dir, data := postgresDirs(t)
	run := func(name string, args ...string) error {
		full := append(append(append([]string(nil), runAs...), filepath.Join(bin, name)), args...)
		out, err := exec.Command(full[0], full[1:]...).CombinedOutput() // #nosec G204 -- PostgreSQL's own binaries (and runuser) found on this machine; arguments are ours
		if err != nil {
			return fmt.Errorf("%s: %v\n%s", name, err, out)
		}
		return nil
	}
	if err := run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off", port, dir)
	s := &Server{URL: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)}
	s.start = func(t testing.TB) {
		t.Helper()
		if err := run("pg_ctl", "-D", data, "-l", filepath.Join(dir, "log"), "-w", "-t", "30", "-o", opts, "start"); err != nil {
			log, _ := os.ReadFile(filepath.Join(dir, "log")) // #nosec G304 -- in this test's own temp directory
			t.Fatalf("%v\n%s", err, log)
		}
	}
	s.start(t)
	s.pids = func() []int {
		// The postmaster's PID heads its pid file; each connection and
		// worker is a child process of it.
		b, err := os.ReadFile(filepath.Join(data, "postmaster.pid")) // #nosec G304 -- in this test's own directory
		if err != nil {
			t.Fatalf("reading postmaster.pid: %v", err)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		pid, err := strconv.Atoi(strings.TrimSpace(line))
		if err != nil {
			t.Fatalf("postmaster.pid: %q", line)
		}
		return append([]int{pid}, children(pid)...)
	}
	s.stop = func() {
		if err := run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"); err != nil {
			t.Logf("stopping postgres: %v", err)
		}
	}
	t.Cleanup(s.Stop)
	return s
}

// postgresDirs makes a temporary directory the PostgreSQL server can use
// and its data directory, and returns the command prefix that runs the
// server's binaries as the postgres user when the test runs as root
// (initdb refuses root).
func postgresDirs(t testing.TB) (runAs []string, dir, data string) {
	t.Helper()
	uid, gid := -1, -1
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			missing(t, "the postgres system user (needed to run PostgreSQL as root)")
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		runner, err := exec.LookPath("runuser")
		if err != nil {
			missing(t, "runuser")
		}
		runAs = []string{runner, "-u", "postgres", "--"}
	}
	// Not t.TempDir: the postgres user must be able to reach the directory.
	dir, err := os.MkdirTemp("", "harden-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("removing the PostgreSQL directory: %v", err)
		}
	})
	data = filepath.Join(dir, "data")
	if err := os.Chmod(dir, 0o755); err != nil { // #nosec G302 -- the postgres user must traverse it to its 0700 data directory and socket
		t.Fatal(err)
	}
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if uid >= 0 {
		if err := os.Chown(data, uid, gid); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	return runAs, dir, data
}
