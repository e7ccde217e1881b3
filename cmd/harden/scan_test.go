package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/testenv"
	"github.com/harden-go/harden/scan"
)

// scanSite serves a page over HTTP and HTTPS on two loopback ports (the
// HTTP one redirecting) and returns the harden scan arguments that reach it.
func scanSite(t *testing.T, headers map[string]string) []string {
	t.Helper()
	page := func(w http.ResponseWriter, r *http.Request) {
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><p>hi</p>")
	}
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(page))
	t.Cleanup(tlsSrv.Close)
	_, tlsPort, _ := net.SplitHostPort(tlsSrv.Listener.Addr().String())
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://127.0.0.1:"+tlsPort+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	t.Cleanup(plain.Close)
	_, httpPort, _ := net.SplitHostPort(plain.Listener.Addr().String())
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"--ca-file", ca, "--http-port", httpPort, "--https-port", tlsPort, "127.0.0.1"}
}

var goodHeaders = map[string]string{
	"Content-Security-Policy":      "default-src 'none'; frame-ancestors 'none'; form-action 'none'",
	"Strict-Transport-Security":    "max-age=31536000; includeSubDomains",
	"X-Content-Type-Options":       "nosniff",
	"Referrer-Policy":              "no-referrer",
	"Cross-Origin-Resource-Policy": "same-origin",
	"Cross-Origin-Opener-Policy":   "same-origin",
	"Permissions-Policy":           "camera=(), microphone=()",
}

func runScanCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(append([]string{"scan"}, args...), &o, &e)
	return code, o.String(), e.String()
}

func TestScanCLITable(t *testing.T) {
	args := scanSite(t, goodHeaders)
	code, out, errOut := runScanCLI(args...)
	if code != scanOK {
		t.Fatalf("exit %d, want 0; stderr %s", code, errOut)
	}
	for _, want := range []string{"A+  score 130", "content-security-policy", "pass", "Beyond the Observatory"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour codes written to a non-terminal:\n%q", out)
	}
	code, out, _ = runScanCLI(append([]string{"--color", "always"}, args...)...)
	if code != scanOK || !strings.Contains(out, "\x1b[32m") {
		t.Errorf("--color always: exit %d, no colour in %q", code, out)
	}
}

func TestScanCLIJSONAndThresholds(t *testing.T) {
	weak := map[string]string{"X-Powered-By": "Express", "X-XSS-Protection": "1; mode=block"}
	args := scanSite(t, weak)
	for _, tt := range []struct {
		name      string
		flags     []string
		wantCode  int
		wantGrade string
		wantScore int
	}{
		// CSP -25, HSTS -20, X-Content-Type-Options -5, X-Frame-Options -20.
		{"observatory", []string{"--json"}, scanOK, "D", 30},
		// Also X-XSS-Protection -5, X-Powered-By -5, no COOP -5.
		{"harden model counts the extra findings", []string{"--json", "--model", "harden"}, scanOK, "F", 15},
		{"min-grade fails", []string{"--json", "--min-grade", "D+"}, scanBelow, "D", 30},
		{"min-grade met", []string{"--json", "--min-grade", "D"}, scanOK, "D", 30},
		{"min-score fails", []string{"--json", "--min-score", "31"}, scanBelow, "D", 30},
		{"min-score met", []string{"--json", "--min-score", "30"}, scanOK, "D", 30},
	} {
		code, out, errOut := runScanCLI(append(tt.flags, args...)...)
		if code != tt.wantCode {
			t.Errorf("%s: exit %d, want %d; stderr %s", tt.name, code, tt.wantCode, errOut)
		}
		var rep scan.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%s: output is not JSON: %v\n%s", tt.name, err, out)
		}
		if rep.Grade != tt.wantGrade || rep.Score != tt.wantScore {
			t.Errorf("%s: got %s %d, want %s %d", tt.name, rep.Grade, rep.Score, tt.wantGrade, tt.wantScore)
		}
		if d, ok := rep.Test(scan.TestDisclosure); !ok || d.Pass || !strings.Contains(d.Fix, "X-Powered-By") {
			t.Errorf("%s: disclosure finding %+v", tt.name, d)
		}
	}
}

func TestScanCLISARIF(t *testing.T) {
	code, out, errOut := runScanCLI(append([]string{"--sarif"}, scanSite(t, map[string]string{"X-Frame-Options": "DENY"})...)...)
	if code != scanOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID  string                `json:"ruleId"`
				Level   string                `json:"level"`
				Message struct{ Text string } `json:"message"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("SARIF header: %+v", log)
	}
	found := false
	for _, r := range log.Runs[0].Results {
		if r.RuleID == "content-security-policy/csp-not-implemented" {
			found = true
			if r.Level != "error" || !strings.Contains(r.Message.Text, "default-src 'none'") {
				t.Errorf("CSP result: %+v", r)
			}
		}
		if strings.HasPrefix(r.RuleID, "x-frame-options/") {
			t.Errorf("a passing test reported: %+v", r)
		}
	}
	if !found {
		t.Errorf("no CSP result in %s", out)
	}
}

func TestScanCLIUsageAndFailures(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := closed.Addr().String()
	closed.Close()
	for _, tt := range []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{nil, scanUsage, "Usage: harden scan"},
		{[]string{"--model", "nsa", "127.0.0.1"}, scanUsage, "--model must be observatory or harden"},
		{[]string{"--min-grade", "Z", "127.0.0.1"}, scanUsage, `unknown grade "Z"`},
		{[]string{"--json", "--sarif", "127.0.0.1"}, scanUsage, "exclude each other"},
		{[]string{"--csrf-url", "http://127.0.0.1/x", "127.0.0.1"}, scanUsage, "--csrf-url needs --probe"},
		{[]string{"ftp://127.0.0.1/"}, scanUsage, "target must be"},
		{[]string{"--timeout", "2s", deadAddr}, scanUnreached, "did not answer"},
	} {
		code, _, errOut := runScanCLI(tt.args...)
		if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
			t.Errorf("scan %q: exit %d, stderr %q; want %d and %q", tt.args, code, errOut, tt.wantCode, tt.wantErr)
		}
	}
}

// front serves both schemes of the reference app on one loopback port, as a
// site behind one address does: it reads the first byte of each connection
// and splices TLS handshakes to the HTTPS listener, anything else to the
// plain-HTTP redirect listener. The Observatory scans one host:port.
type front struct {
	ln         []net.Listener
	port       string
	tlsAddr    string
	plainAddr  string
	wg         sync.WaitGroup
	setTargets chan struct{}
}

func newFront(t *testing.T) *front {
	t.Helper()
	l4, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &front{ln: []net.Listener{l4}, setTargets: make(chan struct{})}
	_, f.port, _ = net.SplitHostPort(l4.Addr().String())
	// "localhost" may resolve to ::1 first; listen there too when possible.
	if l6, err := net.Listen("tcp", "[::1]:"+f.port); err == nil {
		f.ln = append(f.ln, l6)
	}
	for _, l := range f.ln {
		f.wg.Add(1)
		go f.accept(l)
	}
	t.Cleanup(func() {
		for _, l := range f.ln {
			l.Close()
		}
		f.wg.Wait()
	})
	return f
}

func (f *front) start(tlsAddr, plainAddr string) {
	f.tlsAddr, f.plainAddr = tlsAddr, plainAddr
	close(f.setTargets)
}

func (f *front) accept(l net.Listener) {
	defer f.wg.Done()
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go f.splice(c)
	}
}

func (f *front) splice(c net.Conn) {
	defer c.Close()
	<-f.setTargets
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	first, err := br.Peek(1)
	if err != nil {
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	target := f.plainAddr
	if first[0] == 0x16 {
		target = f.tlsAddr
	}
	up, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, br); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
}

// serveTLSFront runs harden serve over TLS with its redirect listener, both
// behind one loopback port, and returns the target "localhost:PORT" and the
// certificate file to trust.
func serveTLSFront(t *testing.T) (target, certFile string) {
	t.Helper()
	certFile, keyFile, _ := selfSigned(t)
	f := newFront(t)
	public := "https://localhost:" + f.port
	base, out, _ := startServe(t, map[string]string{"HARDEN_DATA_DIR": t.TempDir()},
		"--addr", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile,
		"--redirect-addr", "127.0.0.1:0", "--public-url", public)
	m := redirectRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no redirect listener announced: %q", out.String())
	}
	f.start(strings.TrimPrefix(base, "https://"), m[1])
	return "localhost:" + f.port, certFile
}

// TestScanServeTLS runs harden serve over TLS with its redirect listener,
// grades it with harden scan and with the real Observatory, and wants both
// to agree on the grade, the score and every test.
func TestScanServeTLS(t *testing.T) {
	target, certFile := serveTLSFront(t)

	code, stdout, stderr := runScanCLI("--json", "--ca-file", certFile, target)
	if code != scanOK {
		t.Fatalf("harden scan exit %d: %s", code, stderr)
	}
	var rep scan.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	script := testenv.Observatory(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "node", script, target)
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+ca)
	obsOut, err := cmd.Output()
	if err != nil {
		t.Fatalf("observatory: %v", err)
	}
	var obs struct {
		Grade, Error string
		Score        int
		Tests        map[string]struct {
			Result        string
			ScoreModifier int
		}
	}
	if err := json.Unmarshal(obsOut, &obs); err != nil {
		t.Fatalf("observatory output %q: %v", obsOut, err)
	}
	if obs.Grade != rep.Grade || obs.Score != rep.Score {
		t.Errorf("the Observatory graded harden serve %s %d (%s), harden scan %s %d", obs.Grade, obs.Score, obs.Error, rep.Grade, rep.Score)
	}
	for _, tr := range rep.Tests {
		if o := obs.Tests[tr.Name]; o.Result != tr.Result {
			t.Errorf("%s: harden scan %s, Observatory %s", tr.Name, tr.Result, o.Result)
		}
	}
	// Every test is at its best, cookies included (the page sets the
	// CSRF cookie __Host-csrf: Secure, HttpOnly, SameSite=Strict): the
	// local maximum, short of the HSTS preload list only.
	if rep.Grade != "A+" || rep.Score != 140 {
		t.Errorf("harden scan graded harden serve %s %d, want A+ 140", rep.Grade, rep.Score)
	}
	for _, tr := range rep.Tests {
		if tr.ScoreModifier < maxModifier[tr.Name] {
			t.Errorf("%s: %s (%+d, best %+d): %s; fix: %s", tr.Name, tr.Result, tr.ScoreModifier, maxModifier[tr.Name], tr.Description, tr.Fix)
		}
	}
}

// maxModifier is the best score modifier of each test short of the HSTS
// preload list.
var maxModifier = map[string]int{
	scan.TestCSP: 10, scan.TestCookies: 5, scan.TestCORS: 0, scan.TestRedirection: 0,
	scan.TestReferrerPolicy: 5, scan.TestHSTS: 0, scan.TestSRI: 5, scan.TestXContentType: 0,
	scan.TestXFrameOptions: 5, scan.TestCORP: 10,
}

// dualSite serves a page over HTTPS and a redirect to it over plain HTTP,
// both on one loopback port as the Observatory expects, and returns
// "127.0.0.1:PORT" and a CA file that trusts it (every httptest TLS server
// has the same certificate).
func dualSite(t *testing.T, headers map[string]string) (host, caFile string) {
	t.Helper()
	f := newFront(t)
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><p>hi</p>")
	}))
	// Probes that close without a handshake are expected.
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://"+r.Host+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	t.Cleanup(plain.Close)
	f.start(tlsSrv.Listener.Addr().String(), plain.Listener.Addr().String())
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return "127.0.0.1:" + f.port, caFile
}

func TestScanCLIFlagsAnywhere(t *testing.T) {
	args := scanSite(t, goodHeaders)
	target := args[len(args)-1]
	flags := args[:len(args)-1]
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"flags first", append(append([]string{"--json", "--min-grade", "B"}, flags...), target)},
		{"flags after the target", append([]string{target, "--json", "--min-grade", "B"}, flags...)},
		{"flags around the target", append(append([]string{"--json"}, flags...), target, "--min-grade", "B")},
		{"single-dash flags", append([]string{target, "-json", "-min-grade=B"}, flags...)},
	} {
		code, out, errOut := runScanCLI(tt.args...)
		if code != scanOK {
			t.Errorf("%s: exit %d, want %d; stderr %s", tt.name, code, scanOK, errOut)
			continue
		}
		var rep scan.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Errorf("%s: output is not one JSON report: %v\n%s", tt.name, err, out)
			continue
		}
		if rep.Grade != "A+" {
			t.Errorf("%s: got grade %s, want A+", tt.name, rep.Grade)
		}
	}
	// A flag after the target that the run cannot meet still applies.
	code, _, errOut := runScanCLI(append(append([]string{target}, flags...), "--min-score", "200")...)
	if code != scanBelow || !strings.Contains(errOut, "below the minimum (score 200)") {
		t.Errorf("--min-score after the target: exit %d, stderr %q; want %d", code, errOut, scanBelow)
	}
	// After "--" everything is a target, and "--json" is not a host.
	code, _, errOut = runScanCLI(append(append([]string{}, flags...), "--", target, "--json")...)
	if code != scanUsage || !strings.Contains(errOut, "--json: scan: target must be") {
		t.Errorf("-- then --json: exit %d, stderr %q; want %d", code, errOut, scanUsage)
	}
}

func TestScanCLIUsageLine(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"127.0.0.1", "--min-grade", "Q"}, `unknown grade "Q"`},
		{[]string{"127.0.0.1", "--no-such-flag"}, "flag provided but not defined: -no-such-flag"},
		{[]string{"127.0.0.1", "--min-grade"}, "flag needs an argument: -min-grade"},
		{[]string{"--json", "--jsonl", "127.0.0.1"}, "--json, --jsonl and --sarif exclude each other"},
		{[]string{"--concurrency", "0", "127.0.0.1"}, "--concurrency must be between 1 and 32"},
		{[]string{"--concurrency", "33", "127.0.0.1"}, "--concurrency must be between 1 and 32"},
		{[]string{"--http-port", "70000", "127.0.0.1"}, "--http-port must be a port number"},
		{[]string{"--targets", filepath.Join(t.TempDir(), "missing.txt")}, "--targets: open"},
		{[]string{"127.0.0.1", "exa mple.com"}, "exa mple.com: scan: target must be"},
	} {
		code, out, errOut := runScanCLI(tt.args...)
		if code != scanUsage {
			t.Errorf("scan %q: exit %d, want %d", tt.args, code, scanUsage)
		}
		if !strings.Contains(errOut, tt.wantErr) || !strings.Contains(errOut, "Usage: harden scan") {
			t.Errorf("scan %q: stderr %q, want %q and the usage line", tt.args, errOut, tt.wantErr)
		}
		if out != "" {
			t.Errorf("scan %q: wrote %q to stdout on a usage error", tt.args, out)
		}
	}
	empty := filepath.Join(t.TempDir(), "empty.txt")
	if err := os.WriteFile(empty, []byte("# nothing\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runScanCLI("--targets", empty); code != scanUsage || !strings.Contains(errOut, "names no target") {
		t.Errorf("empty --targets: exit %d, stderr %q", code, errOut)
	}
}

func TestScanCLIMultiTargetJSON(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := closed.Addr().String()
	closed.Close()
	goodHost, ca := dualSite(t, goodHeaders)
	weakHost, _ := dualSite(t, map[string]string{"X-Frame-Options": "DENY"})

	t.Run("array", func(t *testing.T) {
		code, out, errOut := runScanCLI("--json", "--ca-file", ca, "--timeout", "3s", goodHost, weakHost, dead)
		if code != scanUnreached {
			t.Errorf("exit %d, want %d (one target unreachable); stderr %s", code, scanUnreached, errOut)
		}
		var reps []scan.Report
		if err := json.Unmarshal([]byte(out), &reps); err != nil {
			t.Fatalf("output is not one JSON array: %v\n%s", err, out)
		}
		if len(reps) != 3 {
			t.Fatalf("got %d reports, want 3", len(reps))
		}
		if reps[0].Host != goodHost || reps[0].Grade != "A+" || reps[1].Host != weakHost || reps[1].Grade != "C" {
			t.Errorf("got %s %s, %s %s; want %s A+, %s C", reps[0].Host, reps[0].Grade, reps[1].Host, reps[1].Grade, goodHost, weakHost)
		}
		if reps[2].Host != dead || !strings.Contains(reps[2].Error, "did not answer") || reps[2].Grade != "" {
			t.Errorf("unreachable target: got %+v", reps[2])
		}
		if !strings.Contains(errOut, dead+": scan: the site did not answer") {
			t.Errorf("stderr %q does not name the unreachable target", errOut)
		}
	})
	t.Run("jsonl", func(t *testing.T) {
		code, out, errOut := runScanCLI(goodHost, "--jsonl", weakHost, "--ca-file", ca, "--min-grade", "A")
		if code != scanBelow {
			t.Errorf("exit %d, want %d; stderr %s", code, scanBelow, errOut)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 2 {
			t.Fatalf("got %d lines, want 2:\n%s", len(lines), out)
		}
		for i, want := range []string{goodHost, weakHost} {
			var rep scan.Report
			if err := json.Unmarshal([]byte(lines[i]), &rep); err != nil {
				t.Fatalf("line %d is not JSON: %v", i+1, err)
			}
			if rep.Host != want {
				t.Errorf("line %d: host %s, want %s", i+1, rep.Host, want)
			}
		}
	})
	t.Run("targets file", func(t *testing.T) {
		list := filepath.Join(t.TempDir(), "targets.txt")
		body := "# sites of the team\n" + goodHost + "\n\n  https://" + weakHost + "/  \n"
		if err := os.WriteFile(list, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runScanCLI("--targets", list, "--json", "--ca-file", ca, "--concurrency", "2")
		if code != scanOK {
			t.Errorf("exit %d, want 0; stderr %s", code, errOut)
		}
		var reps []scan.Report
		if err := json.Unmarshal([]byte(out), &reps); err != nil {
			t.Fatalf("output is not one JSON array: %v\n%s", err, out)
		}
		if len(reps) != 2 || reps[0].Host != goodHost || reps[1].Host != weakHost {
			t.Errorf("got %d reports %+v, want %s then %s", len(reps), reps, goodHost, weakHost)
		}
		if strings.Contains(errOut, "scanned") {
			t.Errorf("progress line written to a non-terminal: %q", errOut)
		}
	})
}

func TestScanTargetsPoolBounded(t *testing.T) {
	targets := make([]string, 40)
	for i := range targets {
		targets[i] = fmt.Sprintf("host%d", i)
	}
	var mu sync.Mutex
	running, peak := 0, 0
	results := scanTargets(targets, 3, nil, func(target string) (*scan.Report, error) {
		mu.Lock()
		running++
		peak = max(peak, running)
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		running--
		mu.Unlock()
		return &scan.Report{Host: target}, nil
	})
	if peak > 3 || peak < 2 {
		t.Errorf("peak concurrency %d, want 2..3", peak)
	}
	for i, r := range results {
		if r.report == nil || r.report.Host != targets[i] {
			t.Fatalf("result %d is %+v, want %s (input order)", i, r, targets[i])
		}
	}
	var progress bytes.Buffer
	scanTargets(targets[:2], 1, &progress, func(target string) (*scan.Report, error) { return &scan.Report{Host: target}, nil })
	if got := progress.String(); !strings.Contains(got, "scanned 2/2: host1") || !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("progress line %q", got)
	}
}

// TestScanSiteModeServe crawls harden serve: every page it finds, its 404
// and its 405 page included, carries the home page's headers, so site mode
// reports no page worse than the home page.
func TestScanSiteModeServe(t *testing.T) {
	target, certFile := serveTLSFront(t)
	code, stdout, stderr := runScanCLI(target, "--crawl", "20", "--json", "--ca-file", certFile, "--min-grade", "A")
	var rep scan.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("not one JSON report: %v\n%s", err, stdout)
	}
	for _, p := range rep.Pages {
		t.Logf("%-6s %3d %-2s %3d %s (%s) %s", p.Method, p.StatusCode, p.Grade, p.Score, p.URL, p.Source, p.Error)
	}
	for _, f := range rep.SiteFindings {
		t.Logf("finding %s %s: %v", f.Test, f.Result, f.Pages)
	}
	if code != scanOK {
		t.Errorf("exit %d, want 0 (every page A or better); stderr %s", code, stderr)
	}
	sources := map[string]int{}
	for _, p := range rep.Pages {
		sources[p.Source]++
		if p.Error != "" {
			t.Errorf("%s: %s", p.URL, p.Error)
		}
	}
	if sources[scan.SourceNotFound] != 1 || sources[scan.SourceMethodNotAllowed] != 1 {
		t.Errorf("probes %v, want one 404 and one method probe", sources)
	}
	if sources[scan.SourceLink]+sources[scan.SourceForm] == 0 {
		t.Errorf("no page found from the home page's links and forms: %v", sources)
	}
	for _, p := range rep.Pages {
		switch p.Source {
		case scan.SourceNotFound:
			if p.StatusCode != 404 {
				t.Errorf("404 probe answered %d", p.StatusCode)
			}
		case scan.SourceMethodNotAllowed:
			// The stack's CSRF layer refuses the unrouted method first.
			if p.StatusCode != 403 {
				t.Errorf("method probe answered %d, want 403", p.StatusCode)
			}
		}
		for _, name := range []string{scan.TestCSP, scan.TestHSTS, scan.TestXContentType, scan.TestXFrameOptions} {
			home, _ := rep.Test(name)
			got, _ := p.Test(name)
			if got.ScoreModifier < home.ScoreModifier {
				t.Errorf("%s %s: %s %s, worse than the home page's %s", p.Method, p.URL, name, got.Result, home.Result)
			}
		}
	}
	if len(rep.SiteFindings) != 0 {
		t.Errorf("site findings on harden serve: %+v", rep.SiteFindings)
	}
}

func TestScanCLIHTML(t *testing.T) {
	host, ca := dualSite(t, goodHeaders)
	file := filepath.Join(t.TempDir(), "report.html")
	code, out, errOut := runScanCLI(host, "--html", file, "--ca-file", ca, "--crawl", "3")
	if code != scanOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "Pages (site mode)") {
		t.Errorf("table lacks the pages section:\n%s", out)
	}
	page, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!doctype html>", `http-equiv="Content-Security-Policy"`, host, `<span class="grade g-a">A&#43;</span>`, "Pages × checks"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("HTML report lacks %q:\n%.4000s", want, page)
		}
	}
	code, _, errOut = runScanCLI(host, "--html", filepath.Join(t.TempDir(), "no", "such", "dir.html"), "--ca-file", ca)
	if code != scanUnreached || !strings.Contains(errOut, "--html: open") {
		t.Errorf("unwritable --html: exit %d, stderr %q; want %d", code, errOut, scanUnreached)
	}
}

// TestScanCLIBaseline scans a site, keeps the JSON report, then scans it
// again after its login page lost its CSP: the second run fails against
// the baseline and says what got worse; a third run, unchanged, passes.
func TestScanCLIBaseline(t *testing.T) {
	var broken atomic.Bool
	f := newFront(t)
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range goodHeaders {
			if k == "Content-Security-Policy" && r.URL.Path == "/login" && broken.Load() {
				continue
			}
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/":
			_, _ = io.WriteString(w, `<!doctype html><a href="/login">log in</a>`)
		case "/login":
			_, _ = io.WriteString(w, `<!doctype html><form method="post"><input name="u"></form>`)
		default:
			http.NotFound(w, r)
		}
	}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://"+r.Host+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	t.Cleanup(plain.Close)
	f.start(tlsSrv.Listener.Addr().String(), plain.Listener.Addr().String())
	host := "127.0.0.1:" + f.port
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runScanCLI(host, "--crawl", "5", "--jsonl", "--ca-file", ca)
	if code != scanOK {
		t.Fatalf("first scan: exit %d: %s", code, errOut)
	}
	base := filepath.Join(dir, "baseline.jsonl")
	if err := os.WriteFile(base, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}

	broken.Store(true)
	code, _, errOut = runScanCLI(host, "--crawl", "5", "--json", "--ca-file", ca, "--baseline", base)
	if code != scanBelow {
		t.Errorf("regressed scan: exit %d, want %d; stderr %s", code, scanBelow, errOut)
	}
	for _, want := range []string{
		"compared with " + base + ": 3 worse, 0 other changes",
		"WORSE " + host + " /login: content-security-policy: csp-implemented-with-no-unsafe-default-src-none (+10) -> csp-not-implemented (-25)",
		// The CSP carried frame-ancestors: framing protection went too.
		"WORSE " + host + " /login: x-frame-options: x-frame-options-implemented-via-csp (+5) -> x-frame-options-not-implemented (-20)",
		"WORSE " + host + " /login: grade: A+ 130 -> C 55",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}

	broken.Store(false)
	code, _, errOut = runScanCLI(host, "--crawl", "5", "--ca-file", ca, "--baseline", base)
	if code != scanOK || !strings.Contains(errOut, ": 0 worse, 0 other changes") {
		t.Errorf("unchanged scan: exit %d, stderr %q; want 0 and no change", code, errOut)
	}

	for _, bad := range []string{"", "{}", "not json"} {
		file := filepath.Join(dir, "bad.json")
		if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, errOut = runScanCLI(host, "--baseline", file, "--ca-file", ca)
		if code != scanUsage || !strings.Contains(errOut, "is not a harden scan JSON report") {
			t.Errorf("baseline %q: exit %d, stderr %q; want %d", bad, code, errOut, scanUsage)
		}
	}
}

// TestScanCLITLSOnlyPortHint scans a port that speaks only TLS: plain HTTP
// there gets Go's 400, graded as the Observatory does (no redirect), and
// the table names --http-port.
func TestScanCLITLSOnlyPortHint(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range goodHeaders {
			w.Header().Set(k, v)
		}
		_, _ = io.WriteString(w, "<!doctype html><p>hi</p>")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	host := srv.Listener.Addr().String()
	code, out, errOut := runScanCLI(host, "--ca-file", ca, "--json")
	if code != scanOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep scan.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	red, _ := rep.Test(scan.TestRedirection)
	if red.Result != "redirection-missing" || !strings.Contains(red.Description, "plain HTTP on "+host+" reached a TLS-only listener") || !strings.Contains(red.Fix, "--http-port") {
		t.Errorf("redirection: %s %q fix %q; want redirection-missing with the --http-port hint", red.Result, red.Description, red.Fix)
	}
}
