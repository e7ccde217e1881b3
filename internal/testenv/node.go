package testenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Environment variables read by the Node peer helpers.
const (
	// PeersEnv holds the folder of the reference peers (express-vulnerable,
	// express-vanilla, ...). Default: ../shared/peers relative to the
	// module root.
	PeersEnv = "HARDEN_PEERS"
	// CacheEnv holds harden's cache folder (default: the user cache
	// directory's "harden"); installed Node dependencies are kept under
	// its "node" folder, keyed by the hash of the peer's package-lock.json.
	CacheEnv = "HARDEN_CACHE"
)

// npmTimeout bounds one "npm ci".
const npmTimeout = 5 * time.Minute

// PeersDir returns the folder of the reference peers, or fails or skips t
// (see [Required]) when it is absent.
func PeersDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(PeersEnv)
	if dir == "" {
		root := moduleRoot()
		if root == "" {
			missing(t, "the reference peers", PeersEnv)
			return ""
		}
		dir = filepath.Join(root, "..", "shared", "peers")
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() { // #nosec G703 -- the test environment names the peers folder and the cache; tests only, never user input
		missing(t, "the reference peers (folder "+dir+")", PeersEnv)
		return ""
	}
	return dir
}

// NodeApp is a Node.js reference peer started by [StartNodePeer], listening
// on a loopback port of its own. It is stopped by its PID when the test
// ends.
type NodeApp struct {
	// URL is the app's base URL, "http://127.0.0.1:PORT".
	URL string
	// Addr is its listen address, "127.0.0.1:PORT".
	Addr string

	t    testing.TB
	node string
	dir  string
	env  []string
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	out  *lockedBuffer
}

// StartNodePeer installs the named peer's pinned dependencies (npm ci,
// cached by the hash of its package-lock.json), copies the app to a folder
// of the test's own, starts "node server.js" on a free loopback port with
// the extra environment env ("KEY=value"), and waits until it answers.
//
// A missing peer folder, node or npm skips the test, or fails it under the
// test command ([Required]); so does a failed install. In -short mode the
// test is skipped.
func StartNodePeer(t testing.TB, name string, env ...string) *NodeApp {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping in -short mode: starts a Node.js app")
	}
	src := filepath.Join(PeersDir(t), name)
	if _, err := os.Stat(filepath.Join(src, "package-lock.json")); err != nil {
		missing(t, "the reference peer "+name+" ("+src+")", PeersEnv)
		return nil
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "Node.js (node on PATH)", "PATH")
		return nil
	}
	modules, err := installNodeModules(src)
	if err != nil {
		if Required() {
			t.Fatalf("installing the dependencies of %s: %v", name, err)
		}
		t.Skipf("skipping: installing the dependencies of %s failed: %v", name, err)
	}
	dir := t.TempDir()
	for _, f := range []string{"server.js", "package.json"} {
		b, err := os.ReadFile(filepath.Join(src, f)) // #nosec G304 -- reads the reference peer's own files from the folder the test environment names
		if err != nil {
			t.Fatalf("copying %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil { // #nosec G703 G306 -- a copy of a public reference app for a test; 0644 so npm and node can read it
			t.Fatal(err)
		}
	}
	if err := os.Symlink(modules, filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	a := &NodeApp{
		Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		t:    t,
		node: node,
		dir:  dir,
		env:  append([]string{"PORT=" + strconv.Itoa(port), "HOST=127.0.0.1", "PATH=" + os.Getenv("PATH")}, env...),
	}
	a.URL = "http://" + a.Addr
	t.Cleanup(a.Stop)
	if err := a.start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	return a
}

// Start starts the app again on the same port after [NodeApp.Stop] and
// waits until it answers. Its in-memory state (users' sessions, balances)
// starts afresh.
func (a *NodeApp) Start() {
	a.t.Helper()
	if err := a.start(); err != nil {
		a.t.Fatalf("restarting the node app: %v", err)
	}
}

func (a *NodeApp) start() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cmd != nil {
		return errors.New("already running")
	}
	cmd := exec.Command(a.node, "server.js") // #nosec G204 -- runs node from PATH on the copied reference app; arguments are constants
	cmd.Dir = a.dir
	cmd.Env = a.env
	a.out = &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = a.out, a.out
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	a.cmd, a.done = cmd, done
	deadline := time.Now().Add(20 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-done:
			a.cmd = nil
			return fmt.Errorf("node exited: %s", a.out.String())
		default:
		}
		resp, err := client.Get(a.URL + "/")
		if err == nil {
			_ = resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	a.stopLocked()
	return fmt.Errorf("no answer on %s within 20s: %s", a.URL, a.out.String())
}

// PID is the process id of the running app, or 0.
func (a *NodeApp) PID() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cmd == nil {
		return 0
	}
	return a.cmd.Process.Pid
}

// Output is what the app printed so far.
func (a *NodeApp) Output() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.out == nil {
		return ""
	}
	return a.out.String()
}

// Stop stops the app by its PID (SIGTERM, then SIGKILL after 5 seconds)
// and waits until it has exited. Stopping a stopped app does nothing.
func (a *NodeApp) Stop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stopLocked()
}

func (a *NodeApp) stopLocked() {
	if a.cmd == nil {
		return
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.done:
	case <-time.After(5 * time.Second):
		_ = a.cmd.Process.Kill()
		<-a.done
	}
	a.cmd = nil
}

// installNodeModules runs "npm ci" for the peer in src once per distinct
// package-lock.json and returns the path of the installed node_modules.
// Concurrent installs (test binaries of several packages) each install into
// a folder of their own and the first to finish wins the rename.
func installNodeModules(src string) (string, error) {
	lock, err := os.ReadFile(filepath.Join(src, "package-lock.json")) // #nosec G304 -- the reference peer's lock file, from the folder the test environment names
	if err != nil {
		return "", err
	}
	pkg, err := os.ReadFile(filepath.Join(src, "package.json")) // #nosec G304 -- the reference peer's package.json, from the folder the test environment names
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(lock)
	cache := os.Getenv(CacheEnv)
	if cache == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			return "", err
		}
		cache = filepath.Join(d, "harden")
	}
	base := filepath.Join(cache, "node")
	final := filepath.Join(base, filepath.Base(src)+"-"+hex.EncodeToString(sum[:8]))
	modules := filepath.Join(final, "node_modules")
	if _, err := os.Stat(filepath.Join(modules, ".package-lock.json")); err == nil { // #nosec G703 -- the test environment names the peers folder and the cache; tests only, never user input
		return modules, nil
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return "", errors.New("npm is not on PATH")
	}
	if err := os.MkdirAll(base, 0o755); err != nil { // #nosec G703 G301 -- the node_modules cache under the test cache directory; readable by the test user
		return "", err
	}
	tmp, err := os.MkdirTemp(base, "install-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, "package-lock.json"), lock, 0o644); err != nil { // #nosec G703 G306 -- a public lock file copied for npm ci
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, "package.json"), pkg, 0o644); err != nil { // #nosec G703 G306 -- a public package.json copied for npm ci
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), npmTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm ci: %v: %s", err, strings.TrimSpace(string(out)))
	}
	if err := os.Rename(tmp, final); err != nil { // #nosec G703 -- the test environment names the peers folder and the cache; tests only, never user input
		// Another installer finished first: use its copy.
		if _, serr := os.Stat(filepath.Join(modules, ".package-lock.json")); serr == nil { // #nosec G703 -- the test environment names the peers folder and the cache; tests only, never user input
			return modules, nil
		}
		return "", err
	}
	return modules, nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// lockedBuffer is a bytes.Buffer safe for a process's output goroutines and
// the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
