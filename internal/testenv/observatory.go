package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ObservatoryEnv holds the path of the runner script of the pinned Mozilla
// HTTP Observatory (scan/testdata/observatory/observe.mjs), installed by
// scripts/observatory-setup.
const ObservatoryEnv = "HARDEN_TEST_OBSERVATORY"

// Observatory returns the path of the Observatory runner script. It uses
// ObservatoryEnv when set; otherwise it finds the script in the module when
// scripts/observatory-setup has installed it and node is on PATH.
func Observatory(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(ObservatoryEnv); p != "" {
		if _, err := os.Stat(p); err != nil { // #nosec G703 -- a test's own environment names the script; only checked to exist
			t.Fatalf("%s=%s: %v", ObservatoryEnv, p, err)
		}
		return p
	}
	if _, err := exec.LookPath("node"); err == nil {
		if root := moduleRoot(); root != "" {
			dir := filepath.Join(root, "scan", "testdata", "observatory")
			if _, err := os.Stat(filepath.Join(dir, "node_modules", "@mdn", "mdn-http-observatory", "conf", "hsts-preload.json")); err == nil {
				return filepath.Join(dir, "observe.mjs")
			}
		}
	}
	missing(t, "the Mozilla HTTP Observatory (scripts/observatory-setup)", ObservatoryEnv)
	return ""
}

// moduleRoot is the nearest directory above the working directory holding
// go.mod, or "".
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for range 64 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	return ""
}
