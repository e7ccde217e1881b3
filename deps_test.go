package harden

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/harden-go/harden/internal/testenv"
)

const module = "github.com/harden-go/harden"

// edge lists the packages allowed to import beyond the standard library and
// golang.org/x, each with the reason. Every other package of the module is a
// core package.
var edge = map[string]string{
	"cmd/harden":                 "the CLI links every layer and store",
	"internal/app":               "the reference app uses stores and drivers",
	"internal/testenv":           "test support",
	"internal/appdb":             "the reference app's users and messages: SQLite and PostgreSQL drivers",
	"internal/browsertest":       "test support: drives Chromium with chromedp",
	"internal/configfile":        "parses YAML configuration files with go.yaml.in/yaml/v3",
	"session/sqlitestore":        "pulls the SQLite driver",
	"session/redisstore":         "pulls the Redis client",
	"session/pgstore":            "pulls the PostgreSQL driver",
	"session/internal/storetest": "conformance suite for session stores (test support)",
	"ratelimit/redisstore":       "pulls the Redis client",
	"internal/redisclient":       "builds the Redis clients of the stores",
	"input/validate":             "wraps go-playground/validator",
	"input/sanitize":             "wraps bluemonday",
	"metrics":                    "exports Prometheus metrics with the Prometheus Go client",
}

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		if testenv.Required() {
			t.Fatal("the go command is not on PATH")
		}
		t.Skip("skipping: the go command is not on PATH")
	}
	out, err := exec.Command(goBin, append([]string{"list"}, args...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %v: %v\n%s", args, err, ee.Stderr)
		}
		t.Fatalf("go list %v: %v", args, err)
	}
	return strings.Fields(string(out))
}

// TestCoreImportsOnlyStdlib checks that a user who imports a core package
// compiles only the standard library, golang.org/x and other core packages:
// drivers and third-party libraries stay in their own packages.
func TestCoreImportsOnlyStdlib(t *testing.T) {
	pkgs := goList(t, "-e", "./...")
	core := 0
	for _, pkg := range pkgs {
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
		if _, ok := edge[rel]; ok {
			continue
		}
		core++
		deps := goList(t, "-e", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg)
		for _, dep := range deps {
			switch {
			case strings.HasPrefix(dep, "golang.org/x/"):
			case dep == module || strings.HasPrefix(dep, module+"/"):
				if _, ok := edge[strings.TrimPrefix(dep, module+"/")]; ok {
					t.Errorf("core package %s imports edge package %s", pkg, dep)
				}
			default:
				t.Errorf("core package %s depends on %s", pkg, dep)
			}
		}
	}
	if core < 5 {
		t.Errorf("only %d core packages found; the listing is broken", core)
	}
	// An entry for a package that does not exist would let a future package
	// of that name pull drivers unnoticed: the list names real packages only.
	for rel := range edge {
		if !slices.Contains(pkgs, module+"/"+rel) {
			t.Errorf("edge lists %s, which is not a package of the module", rel)
		}
	}
}
