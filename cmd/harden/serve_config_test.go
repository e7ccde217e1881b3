package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// servePrintConfig runs "harden serve --print-config args" and returns its
// output.
func servePrintConfig(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := serve(context.Background(), append(args, "--print-config"), func(k string) string { return env[k] }, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("serve %v --print-config exited with %d: %s", args, code, stderr.String())
	}
	return stdout.String()
}

func writeConfig(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestServeConfigFileEqualsFlags: a YAML file and a JSON file saying what a
// set of flags says give the same effective configuration.
func TestServeConfigFileEqualsFlags(t *testing.T) {
	flags := []string{
		"--env", "production",
		"--addr", "127.0.0.1:8443",
		"--data-dir", "/srv/harden",
		"--public-url", "https://app.example.com",
		"--trusted-proxies", "10.0.0.0/8,192.0.2.7",
		"--allowed-origins", "https://admin.example.com,https://www.example.com",
		"--api-limit", "200/15m",
		"--auth-limit", "10/1h",
		"--security-log", "/var/log/harden/security.log",
		"--tls-cert", "cert.pem",
		"--tls-key", "key.pem",
		"--redirect-addr", ":8080",
	}
	yamlFile := writeConfig(t, "harden.yaml", `
env: production
addr: 127.0.0.1:8443
data_dir: /srv/harden
public_url: https://app.example.com
trusted_proxies: [10.0.0.0/8, 192.0.2.7]
allowed_origins:
  - https://admin.example.com
  - https://www.example.com
api_limit: 200/15m
auth_limit: 10/1h
security_log: /var/log/harden/security.log
tls_cert: cert.pem
tls_key: key.pem
redirect_addr: ":8080"
`)
	jsonFile := writeConfig(t, "harden.json", `{"env": "production", "addr": "127.0.0.1:8443", "data_dir": "/srv/harden",
 "public_url": "https://app.example.com", "trusted_proxies": "10.0.0.0/8,192.0.2.7",
 "allowed_origins": ["https://admin.example.com", "https://www.example.com"],
 "api_limit": "200/15m", "auth_limit": "10/1h", "security_log": "/var/log/harden/security.log",
 "tls_cert": "cert.pem", "tls_key": "key.pem", "redirect_addr": ":8080"}`)

	fromFlags := servePrintConfig(t, nil, flags...)
	if got := servePrintConfig(t, nil, "--config", yamlFile); got != fromFlags {
		t.Errorf("YAML file:\n%s\nflags:\n%s", got, fromFlags)
	}
	if got := servePrintConfig(t, map[string]string{"HARDEN_CONFIG": jsonFile}); got != fromFlags {
		t.Errorf("JSON file by HARDEN_CONFIG:\n%s\nflags:\n%s", got, fromFlags)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(fromFlags), &m); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"env": "production", "api_limit": "200/15m", "auth_limit": "10/1h", "redirect_addr": ":8080"} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	// The printed configuration loads back as a file.
	back := writeConfig(t, "printed.json", fromFlags)
	if got := servePrintConfig(t, nil, "--config", back); got != fromFlags {
		t.Errorf("printed config loaded back:\n%s\nwant:\n%s", got, fromFlags)
	}
}

// TestServeConfigPrecedence: a flag wins over the environment, which wins
// over the file, which wins over the defaults.
func TestServeConfigPrecedence(t *testing.T) {
	file := writeConfig(t, "harden.yml", "addr: 127.0.0.1:9000\ndata_dir: fromfile\napi_limit: 50/1m\nauth_limit: 3/1m\n")
	env := map[string]string{"HARDEN_CONFIG": file, "HARDEN_DATA_DIR": "fromenv", "HARDEN_API_LIMIT": "60/1m"}
	var got map[string]any
	if err := json.Unmarshal([]byte(servePrintConfig(t, env, "--api-limit", "70/1m")), &got); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"addr":       "127.0.0.1:9000", // file
		"data_dir":   "fromenv",        // environment over file
		"api_limit":  "70/1m",          // flag over environment and file
		"auth_limit": "3/1m",           // file over default
		"env":        "development",    // default
	} {
		if got[k] != want {
			t.Errorf("%s = %v, want %q", k, got[k], want)
		}
	}
	// PORT stands for HARDEN_ADDR, over the file.
	if err := json.Unmarshal([]byte(servePrintConfig(t, map[string]string{"HARDEN_CONFIG": file, "PORT": "4000"})), &got); err != nil {
		t.Fatal(err)
	}
	if got["addr"] != ":4000" {
		t.Errorf("with PORT, addr = %v, want :4000", got["addr"])
	}
}

func TestServeConfigRefused(t *testing.T) {
	for _, tc := range []struct {
		name, file, text, want string
	}{
		{"unknown key", "a.yaml", "addr: :3000\napi_limt: 5/1m\n", "api_limt: unknown key"},
		{"credential in the file", "a.json", `{"redis_url": "redis://:pw@127.0.0.1:6379"}`, "redis_url: unknown key"},
		{"bad rate", "a.yaml", "auth_limit: 5/fortnight\n", "auth_limit: "},
		{"empty file", "a.yaml", "# nothing\n", "the file is empty"},
		{"hop count as a map", "a.yaml", "trusted_proxies: {hops: 1}\n", "trusted_proxies must be a hop count, or a list of addresses and CIDR ranges"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.file, tc.text)
			var stdout, stderr bytes.Buffer
			code := serve(context.Background(), []string{"--config", path, "--print-config"}, func(string) string { return "" }, &stdout, &stderr)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if want := "harden serve: " + path + ": configfile: "; !strings.HasPrefix(stderr.String(), want) || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr = %q, want %q... %q", stderr.String(), want, tc.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("printed a configuration: %s", stdout.String())
			}
			if strings.Contains(stderr.String(), "pw@") {
				t.Errorf("stderr shows a password: %s", stderr.String())
			}
		})
	}
}

func TestServePrintConfigRedacts(t *testing.T) {
	env := map[string]string{
		"HARDEN_SECRETS":      strings.Repeat("s", 40) + "," + strings.Repeat("t", 40),
		"HARDEN_REDIS_URL":    "redis://:RedisS3cretPass@127.0.0.1:6379/0",
		"HARDEN_DATABASE_URL": "postgres://app:DbS3cretPass@127.0.0.1/app",
	}
	out := servePrintConfig(t, env, "--trusted-proxies", "1")
	for _, secret := range []string{"ssss", "tttt", "RedisS3cretPass", "DbS3cretPass"} {
		if strings.Contains(out, secret) {
			t.Errorf("--print-config shows %q:\n%s", secret, out)
		}
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if got, ok := m["secrets"].([]any); !ok || len(got) != 2 || got[0] != "REDACTED" {
		t.Errorf("secrets = %v, want two REDACTED", m["secrets"])
	}
	if got, want := m["redis_url"], "redis://:REDACTED@127.0.0.1:6379/0"; got != want {
		t.Errorf("redis_url = %v, want %q", got, want)
	}
	if got, want := m["database_url"], "postgres://app:REDACTED@127.0.0.1/app"; got != want {
		t.Errorf("database_url = %v, want %q", got, want)
	}
	if got, ok := m["trusted_proxies"].([]any); !ok || len(got) != 1 || got[0] != "1" {
		t.Errorf("trusted_proxies = %v, want [\"1\"]", m["trusted_proxies"])
	}
}
