package configfile

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/harden-go/harden"
)

func TestHardenConfigFile(t *testing.T) {
	const yamlDoc = `
development: true
health_paths: [/healthz]
client_ip:
  trusted_hops: 1
cors:
  origins: [https://app.example.com]
  credentials: true
  max_age: 600
rate_limit:
  rate: 100/15m
  paths: [/api/]
  error_log_interval: 90s
`
	const jsonDoc = `{"development": true, "health_paths": ["/healthz"],
 "client_ip": {"trusted_hops": 1},
 "cors": {"origins": ["https://app.example.com"], "credentials": true, "max_age": 600},
 "rate_limit": {"rate": "100/15m", "paths": ["/api/"], "error_log_interval": "1m30s"}}`
	var y, j harden.Config
	if err := Decode([]byte(yamlDoc), YAML, &y); err != nil {
		t.Fatalf("YAML: %v", err)
	}
	if err := Decode([]byte(jsonDoc), JSON, &j); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	if !reflect.DeepEqual(y, j) {
		t.Errorf("YAML and JSON differ:\nYAML %+v\nJSON %+v", y, j)
	}
	// The yaml tags agree with the json ones: yaml.v3 alone, reading the
	// tags, gives the same value.
	var direct harden.Config
	if err := yaml.Unmarshal([]byte(yamlDoc), &direct); err != nil {
		t.Fatalf("yaml.v3: %v", err)
	}
	if !reflect.DeepEqual(direct, y) {
		t.Errorf("yaml.v3 by the yaml tags %+v, loader %+v", direct, y)
	}
	if got, want := y.RateLimit.ErrorLogInterval, 90*time.Second; got != want {
		t.Errorf("error_log_interval = %v, want %v", got, want)
	}
	if got, want := y.RateLimit.Rate.String(), "100/15m"; got != want {
		t.Errorf("rate = %q, want %q", got, want)
	}
	if _, err := harden.New(y); err != nil {
		t.Errorf("harden.New of the file's config: %v", err)
	}
}

func TestHardenConfigRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		f         Format
		want      string
	}{
		{"unknown nested key", `{"rate_limit":{"pathz":["/api/"]}}`, JSON, "configfile: rate_limit.pathz: unknown key"},
		{"unknown nested key yaml", "cors:\n  orgins: [https://a.example]\n", YAML, "configfile: cors.orgins: unknown key"},
		{"camel case key", `{"rate_limit":{"errorLogInterval":"1s"}}`, JSON, "configfile: rate_limit.errorLogInterval: unknown key"},
		{"func field", `{"rate_limit":{"Skip":true}}`, JSON, "configfile: rate_limit.Skip: unknown key"},
		{"bare number duration", `{"rate_limit":{"error_log_interval":900}}`, JSON, "configfile: rate_limit.error_log_interval: a duration is written with its unit, as text (90s, 15m, 1h30m)"},
		{"bad duration", "rate_limit:\n  error_log_interval: 15 minutes\n", YAML, `configfile: rate_limit.error_log_interval: "15 minutes" is not a duration (90s, 15m, 1h30m)`},
		{"negative duration", `{"rate_limit":{"error_log_interval":"-1s"}}`, JSON, `configfile: rate_limit.error_log_interval: "-1s" is not a duration (90s, 15m, 1h30m)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c harden.Config
			err := Decode([]byte(tc.doc), tc.f, &c)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if !reflect.ValueOf(c).IsZero() {
				t.Errorf("config changed by a refused file: %+v", c)
			}
		})
	}
}

// TestEmptyPathsAccepted: an explicitly empty list of rate-limit paths, as
// a file may write, is not mistaken for a limiter without a rate.
func TestEmptyPathsAccepted(t *testing.T) {
	for _, doc := range []string{`{"development":true,"rate_limit":{"paths":[]}}`, "development: true\nrate_limit:\n  paths: []\n"} {
		var c harden.Config
		if err := Decode([]byte(doc), Auto, &c); err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		if c.RateLimit.Paths == nil {
			t.Errorf("%s: paths decoded as absent, want an empty list", doc)
		}
		if _, err := harden.New(c); err != nil {
			t.Errorf("%s: harden.New: %v", doc, err)
		}
	}
	// Paths without a rate still are refused: the operator believes a
	// limiter is on.
	var c harden.Config
	if err := Decode([]byte(`{"development":true,"rate_limit":{"paths":["/api/"]}}`), JSON, &c); err != nil {
		t.Fatal(err)
	}
	if _, err := harden.New(c); err == nil {
		t.Error("paths without a rate accepted")
	}
}

func TestPlainRoundTrip(t *testing.T) {
	var c harden.Config
	doc := "development: true\nrate_limit:\n  rate: 10/s\n  error_log_interval: 1h30m\n"
	if err := Decode([]byte(doc), YAML, &c); err != nil {
		t.Fatal(err)
	}
	m, err := Plain(c)
	if err != nil {
		t.Fatal(err)
	}
	rl := m["rate_limit"].(map[string]any)
	if got, want := rl["error_log_interval"], "1h30m0s"; got != want {
		t.Errorf("error_log_interval = %v, want %q", got, want)
	}
	if got, want := rl["rate"], "10/1s"; got != want {
		t.Errorf("rate = %v, want %q", got, want)
	}
	b, err := jsonMarshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var back harden.Config
	if err := Decode(b, JSON, &back); err != nil {
		t.Fatalf("Plain's output does not load back: %v\n%s", err, b)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("round trip: got %+v, want %+v", back, c)
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
