package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/harden-go/harden/internal/testserver"
)

func TestCheckMetricsAddr(t *testing.T) {
	tests := []struct {
		addr    string
		public  bool
		wantErr error
	}{
		{"127.0.0.1:9090", false, nil},
		{"[::1]:9090", false, nil},
		{"localhost:9090", false, nil},
		{"127.0.0.2:0", false, nil},
		{":9090", false, errMetricsPublic}, // every interface
		{"0.0.0.0:9090", false, errMetricsPublic},
		{"[::]:9090", false, errMetricsPublic},
		{"192.0.2.7:9090", false, errMetricsPublic},
		{"example.com:9090", false, errMetricsPublic},
		{"[::ffff:192.0.2.7]:9090", false, errMetricsPublic},
		{"0.0.0.0:9090", true, nil},
		{"9090", false, errMetricsAddr},
		{"127.0.0.1", false, errMetricsAddr},
		{"127.0.0.1:", true, errMetricsAddr},
	}
	for _, tt := range tests {
		if got := checkMetricsAddr(tt.addr, tt.public); got != tt.wantErr {
			t.Errorf("checkMetricsAddr(%q, %v): got %v, want %v", tt.addr, tt.public, got, tt.wantErr)
		}
	}
}

var metricsRE = regexp.MustCompile(`metrics on (http://[^ ]+)/metrics`)

func TestServeMetrics(t *testing.T) {
	base, out, _ := startServe(t, nil, "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0")
	m := metricsRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no metrics line in %q", out.String())
	}
	metricsBase := m[1]
	for _, path := range []string{"/healthz", "/api/me", "/no/such/path/1", "/no/such/path/2"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// The public listener does not serve the metrics.
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("public /metrics: got %d, want 404", resp.StatusCode)
	}
	resp, err = http.Get(metricsBase + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`harden_requests_total{class="2xx",route="GET /healthz"} 1`,
		`harden_requests_total{class="4xx",route="GET /api/me"} 1`,
		`harden_refusals_total{layer="authz",reason="401",route="GET /api/me"} 1`,
		`harden_requests_total{class="4xx",route="/"} 3`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(string(body), "/no/such") {
		t.Error("a raw path reached the metrics")
	}
}

func TestServeRefusesPublicMetrics(t *testing.T) {
	var stdout, stderr syncBuffer
	env := map[string]string{"HARDEN_DATA_DIR": t.TempDir(), "HARDEN_METRICS_ADDR": ":0"}
	code := serve(context.Background(), []string{"--addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), errMetricsPublic.Error()) {
		t.Errorf("got exit %d, stderr %q; want 1 and %q", code, stderr.String(), errMetricsPublic)
	}
}

// getBody fetches url and returns the status and body.
func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(body)
}

// TestProxyMetricsAndReady: harden proxy serves /metrics on its own
// listener, counts by route prefix, and /readyz follows the upstream and
// Redis.
func TestProxyMetricsAndReady(t *testing.T) {
	up := newUpstream(t, "app")
	rs := testserver.Redis(t)
	p := startProxy(t, map[string]string{"HARDEN_REDIS_URL": rs.URL}, "--upstream", up.URL, "--metrics-addr", "127.0.0.1:0")
	m := metricsRE.FindStringSubmatch(p.stdout.String())
	if m == nil {
		t.Fatalf("no metrics line in %q", p.stdout.String())
	}
	if status, body := getBody(t, p.addrs.URL+"/hello"); status != 200 || body != "app GET /hello" {
		t.Fatalf("forwarded: got %d %q", status, body)
	}
	if status, body := getBody(t, p.addrs.URL+"/readyz"); status != 200 || body != `{"status":"ok"}`+"\n" {
		t.Errorf("readyz: got %d %q, want 200 ok", status, body)
	}
	_, metricsBody := getBody(t, m[1]+"/metrics")
	for _, want := range []string{`harden_requests_total{class="2xx",route="/"} 1`} {
		if !strings.Contains(metricsBody, want) {
			t.Errorf("metrics lack %s:\n%s", want, metricsBody)
		}
	}
	if strings.Contains(metricsBody, "/hello") {
		t.Error("a raw path reached the metrics")
	}

	rs.Stop()
	if status, body := getBody(t, p.addrs.URL+"/readyz"); status != 503 || body != `{"status":"unavailable"}`+"\n" {
		t.Errorf("readyz with Redis down: got %d %q, want 503 unavailable", status, body)
	}
	if !strings.Contains(p.stderr.String(), "redis") {
		t.Errorf("the cause is not logged: %s", p.stderr.String())
	}
}

func TestProxyReadyUpstreamDown(t *testing.T) {
	up := newUpstream(t, "app")
	p := startProxy(t, nil, "--upstream", up.URL)
	if status, _ := getBody(t, p.addrs.URL+"/readyz"); status != 200 {
		t.Fatalf("readyz: got %d, want 200", status)
	}
	up.Close()
	status, body := getBody(t, p.addrs.URL+"/readyz")
	if status != 503 || body != `{"status":"unavailable"}`+"\n" {
		t.Errorf("readyz with the upstream down: got %d %q, want 503 unavailable", status, body)
	}
	if strings.Contains(body, "127.0.0.1") || strings.Contains(body, "upstream") {
		t.Errorf("readyz names internals: %q", body)
	}
}
