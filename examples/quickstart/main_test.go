package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startMain runs the program on a free loopback port and returns its base
// URL once it answers. The server lives until the test binary exits.
func startMain(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	os.Args = []string{"quickstart", "-addr", addr}
	go main()
	base := "http://" + addr
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/nowhere"); err == nil {
			resp.Body.Close()
			return base
		}
	}
	t.Fatalf("the program did not answer on %s", addr)
	return ""
}

// TestPage: the page's inline script carries the nonce that the response's
// CSP allows, and nothing redirects to HTTPS in development.
func TestPage(t *testing.T) {
	base := startMain(t)
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /: %d %q", resp.StatusCode, body)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	m := regexp.MustCompile(`<script nonce="([A-Za-z0-9+/=_-]+)">`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no nonce'd script in %q", body)
	}
	if !strings.Contains(csp, "script-src 'self' 'nonce-"+string(m[1])+"'") {
		t.Errorf("CSP %q does not allow the page's nonce %q", csp, m[1])
	}
	// A second response has another nonce.
	resp2, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if csp2 := resp2.Header.Get("Content-Security-Policy"); csp2 == csp {
		t.Errorf("two responses share the CSP %q", csp)
	}
	// Unknown routes get 404, with the security headers.
	resp3, err := http.Get(base + "/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	resp3.Body.Close()
	if resp3.StatusCode != 404 || resp3.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET /nowhere: %d, nosniff %q", resp3.StatusCode, resp3.Header.Get("X-Content-Type-Options"))
	}
}
