package app

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/internal/hashstats"
	"github.com/harden-go/harden/internal/testenv"
	"github.com/harden-go/harden/password"
)

// floodResult is what a login flood produced.
type floodResult struct {
	busy, invalid, gone, other int
	oneHash                    time.Duration   // one hash, measured before the flood
	atLeave                    hashstats.Stats // the hasher when the clients had left
	idleAfter                  time.Duration   // from the clients leaving to nothing running or queued
	final                      hashstats.Stats
	baseRSS, peakRSS           int64 // bytes
}

// loginFlood sends n concurrent logins to a's login route, each from its
// own client address through the trusted proxy, with clients that give up
// after leave. Half name an unknown account, half a known one with a wrong
// password. Every answer that arrives must be the exact 503 of a full
// queue (with Retry-After and the security headers) or the exact 401.
func loginFlood(t *testing.T, a *App, base string, n int, leave time.Duration) floodResult {
	t.Helper()
	if testenv.RaceEnabled {
		// The race detector makes the stack too slow to bring hundreds of
		// requests to the hasher within the clients' second, and its shadow
		// memory makes RSS meaningless. The test command runs this test
		// again without it (its -short pass); package password's tests
		// check the admission under the race detector.
		t.Skip("skipping the login flood under the race detector")
	}
	var res floodResult
	hashStart := time.Now()
	addUser(t, a, "flood@example.com", userPW, appdb.RoleUser)
	res.oneHash = time.Since(hashStart)
	c := newClient(t, base)
	token := c.token()
	jar := c.http.Jar.(*cookiejar.Jar)

	runtime.GC()
	debug.FreeOSMemory()
	resetPeakRSS(t)
	res.baseRSS = procStatus(t, "VmRSS")

	var mu sync.Mutex
	var wg sync.WaitGroup
	tr := &http.Transport{MaxIdleConnsPerHost: n}
	defer tr.CloseIdleConnections()
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			email := fmt.Sprintf("nobody%d@example.com", i)
			if i%2 == 0 {
				email = "flood@example.com"
			}
			req, err := http.NewRequest("POST", base+"/api/login",
				strings.NewReader(`{"email":"`+email+`","password":"wrong password `+strconv.Itoa(i)+`"}`))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-CSRF-Token", token)
			req.Header.Set("X-Request-ID", testID)
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.18.%d.%d", i/250, i%250+1))
			cl := &http.Client{Jar: jar, Transport: tr, Timeout: leave}
			<-start
			resp, err := cl.Do(req)
			if err != nil {
				mu.Lock()
				defer mu.Unlock()
				if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout") {
					res.gone++
					return
				}
				res.other++
				t.Errorf("client %d: %v", i, err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case resp.StatusCode == 503 && string(body) == `{"error":"Service busy, please retry later","request_id":"`+testID+"\"}\n" &&
				resp.Header.Get("Retry-After") == hashRetryAfter && resp.Header.Get("Content-Security-Policy") != "":
				res.busy++
			case resp.StatusCode == 401 && string(body) == `{"error":"Invalid credentials","request_id":"`+testID+"\"}\n":
				res.invalid++
			default:
				res.other++
				t.Errorf("client %d: %d %q (Retry-After %q), want the 503 of a full queue or the 401",
					i, resp.StatusCode, body, resp.Header.Get("Retry-After"))
			}
		})
	}
	close(start)
	wg.Wait()
	left := time.Now()
	res.atLeave = hashstats.Of(a.hasher)
	for {
		s := hashstats.Of(a.hasher)
		if s.Running == 0 && s.Queued == 0 {
			res.idleAfter = time.Since(left)
			break
		}
		if time.Since(left) > 10*time.Second {
			t.Fatalf("the hasher still works 10 s after the clients left: %+v", s)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Nothing starts afterwards: no hash was left behind for a gone client.
	time.Sleep(300 * time.Millisecond)
	res.final = hashstats.Of(a.hasher)
	res.peakRSS = procStatus(t, "VmHWM")
	t.Logf("%d logins, clients leave after %v: %d × 503 busy, %d × 401, %d gone; one hash %v; at leave %+v; idle %v later; final %+v; RSS %d MB → peak %d MB",
		n, leave, res.busy, res.invalid, res.gone, res.oneHash.Round(time.Millisecond), res.atLeave, res.idleAfter.Round(time.Millisecond), res.final, res.baseRSS>>20, res.peakRSS>>20)
	return res
}

// checkFlood asserts what every flood must show.
func checkFlood(t *testing.T, res floodResult, n int) {
	t.Helper()
	if res.other != 0 || res.busy+res.invalid+res.gone != n {
		t.Errorf("answers: %d busy + %d invalid + %d gone + %d other, want %d without other", res.busy, res.invalid, res.gone, res.other, n)
	}
	// Beyond the queue, the hasher refuses at once; the clients see the
	// 503 unless the server (on a loaded machine) answers after they left.
	if s := res.final; res.busy == 0 || s.Refused < uint64(res.busy) || s.Refused+s.Abandoned+s.Hashes > uint64(n)+1 {
		t.Errorf("%d × 503 busy received, hasher %+v: want the attempts beyond the queue refused, each attempt counted once", res.busy, s)
	}
	// Clients left while their hashes were queued: without that the flood
	// shows nothing (the hashes would be too cheap).
	if res.final.Abandoned == 0 || res.gone == 0 {
		t.Fatalf("no queued hash was abandoned (%+v, %d gone): the hashes are too cheap to show anything", res.final, res.gone)
	}
	// Hashing stops within a second of the clients leaving: only the
	// hashes already running finish (a running argon2id computation cannot
	// be interrupted, so on a machine where one takes longer than a second
	// the bound is that time), the queued ones are dropped.
	if limit := max(time.Second, 3*res.oneHash); res.idleAfter > limit {
		t.Errorf("the hasher went idle %v after the clients left, want within %v", res.idleAfter, limit)
	}
	// The server learns that a client left when its connection's read
	// sees the close, a few milliseconds after the client's timer: in that
	// window each slot that frees may start one more queued call. So the
	// bound is the hashes running then plus one per slot, and every other
	// call queued then is abandoned.
	slots := uint64(res.atLeave.Running)
	if got, max := res.final.Hashes-res.atLeave.Hashes, 2*slots; got > max {
		t.Errorf("%d hashes computed after the clients left, want at most the %d running then and one more per slot", got, slots)
	}
	if queued := uint64(res.atLeave.Queued); queued > slots && res.final.Abandoned < res.atLeave.Abandoned+queued-slots {
		t.Errorf("%d calls abandoned, want the %d queued when the clients left, less one per slot", res.final.Abandoned, queued)
	}
}

// TestLoginFloodClientsLeave: 200 concurrent logins from 200 addresses
// whose clients give up after 1 s, with a hasher of 2 concurrent hashes and
// a queue of 40: the rest get 503 with Retry-After at once, the queued
// hashes are dropped when their clients leave (hashing stops within a
// second, counted), and the process's peak RSS grows by no more than the
// hashes' budget plus the connections. The parameters are cheaper than the
// default: this tests the admission, not the cost (see
// TestLoginFloodDefaultParameters).
func TestLoginFloodClientsLeave(t *testing.T) {
	const n, queue, conc = 200, 40, 2
	params := password.Argon2Params{Memory: 16 << 10, Iterations: 3, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	params.Iterations = floodIterations(t, params, 3*time.Second*conc/queue)
	h, err := password.New(password.Config{Argon2: params, MaxConcurrent: conc, MaxQueue: queue})
	if err != nil {
		t.Fatal(err)
	}
	a, srv := routeApp(t, Config{hasher: h, TrustedProxies: "127.0.0.1"})
	res := loginFlood(t, a, srv.URL, n, time.Second)
	checkFlood(t, res, n)
	budget := int64(conc) * int64(params.Memory) << 10
	checkPeakRSS(t, res, budget+48<<20)
}

// floodIterations returns the argon2id iteration count at which one hash
// with p takes at least want on this machine, so that the flood's queue
// still holds hashes when its clients leave however fast the machine is
// (a fixed count made the queue drain before the clients left on a fast
// or idle machine, and the test then proved nothing).
func floodIterations(t *testing.T, p password.Argon2Params, want time.Duration) uint32 {
	t.Helper()
	h, err := password.New(password.Config{Argon2: p})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := h.Hash(context.Background(), "calibration"); err != nil {
		t.Fatal(err)
	}
	took := max(time.Since(start), time.Millisecond)
	if took >= want {
		return p.Iterations
	}
	return min(uint32(int64(p.Iterations)*int64(want)/int64(took))+1, 200)
}

// TestLoginFloodDefaultParameters is the realistic run, under the test
// command only (its pass without the race detector): 500 concurrent logins from 500 addresses against the
// default hasher (argon2id 64 MiB, t=3, p=4, one hash at a time, a queue
// of 16), clients leaving after 1 s. The process's peak RSS stays under
// 150 MB.
func TestLoginFloodDefaultParameters(t *testing.T) {
	if !testenv.Required() {
		t.Skip("skipping the realistic login flood (64 MiB hashes): run under scripts/test or set " + testenv.RequireServicesEnv + "=1")
	}
	// The peak is the process's: tests run before in the same process
	// leave a larger heap goal and more resident memory behind, which the
	// flood would be charged for. It runs alone, in a fresh process.
	if os.Getenv(floodChildEnv) != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLoginFloodDefaultParameters$", "-test.count=1", "-test.v") // #nosec G204 -- this test binary, re-run for one test
		cmd.Env = append(os.Environ(), floodChildEnv+"=1")
		out, err := cmd.CombinedOutput()
		t.Logf("%s", out)
		if err != nil {
			t.Fatalf("the login flood in its own process failed: %v", err)
		}
		return
	}
	const n = 500
	h, err := password.New(password.Config{})
	if err != nil {
		t.Fatal(err)
	}
	a, srv := routeApp(t, Config{hasher: h, TrustedProxies: "127.0.0.1"})
	res := loginFlood(t, a, srv.URL, n, time.Second)
	checkFlood(t, res, n)
	if res.peakRSS >= 150<<20 {
		t.Errorf("peak RSS %d MB, want under 150 MB", res.peakRSS>>20)
	}
}

// floodChildEnv marks the process that runs TestLoginFloodDefaultParameters
// alone.
const floodChildEnv = "HARDEN_TEST_LOGIN_FLOOD_CHILD"

// checkPeakRSS asserts that the peak RSS grew by at most growth bytes.
func checkPeakRSS(t *testing.T, res floodResult, growth int64) {
	t.Helper()
	if growth > 0 && res.peakRSS-res.baseRSS > growth {
		t.Errorf("peak RSS grew by %d MB (%d → %d MB), want at most %d MB", (res.peakRSS-res.baseRSS)>>20, res.baseRSS>>20, res.peakRSS>>20, growth>>20)
	}
}

// resetPeakRSS sets the process's VmHWM to its current RSS (Linux 4.0+).
func resetPeakRSS(t *testing.T) {
	t.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS: %v", err)
	}
}

// procStatus reads a "kB" field of /proc/self/status, in bytes.
func procStatus(t *testing.T, field string) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), field+":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			t.Fatalf("/proc/self/status %s: %q", field, v)
		}
		return kb << 10
	}
	t.Fatalf("/proc/self/status has no %s", field)
	return 0
}
