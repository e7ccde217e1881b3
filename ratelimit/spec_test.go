package ratelimit

import (
	"encoding/json"
	"errors"
	"flag"
	"testing"
	"time"
)

func TestParseSpec(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Spec
	}{
		{"100/15m", Spec{100, 15 * time.Minute}},
		{"5/15m", Spec{5, 15 * time.Minute}},
		{"10/s", Spec{10, time.Second}},
		{"10/1s", Spec{10, time.Second}},
		{"1000/1d", Spec{1000, 24 * time.Hour}},
		{"1000/d", Spec{1000, 24 * time.Hour}},
		{"60/m", Spec{60, time.Minute}},
		{"3/h", Spec{3, time.Hour}},
		{"1/1h30m", Spec{1, 90 * time.Minute}},
		{"2/500ms", Spec{2, 500 * time.Millisecond}},
		{"1000000000/366d", Spec{maxLimit, maxWindow}},
	} {
		got, err := parseSpec(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseSpec(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{
		"", "100", "/15m", "100/", "0/15m", "-1/15m", "+1/15m", "1e3/15m", "0x10/1m",
		"1000000001/1m", "100/0s", "100/-15m", "100/+15m", "100/1us", "100/367d", "100/9000h",
		"100/15 m", " 100/15m", "100/15m ", "100/15x", "100/1/2", "１００/15m", "100/1.5.5s",
		"99999999999999999999/1m",
	} {
		if got, err := parseSpec(in); !errors.Is(err, errInvalidSpec) {
			t.Errorf("parseSpec(%q) = %v, %v; want errInvalidSpec", in, got, err)
		}
	}
}

func TestSpecText(t *testing.T) {
	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{Spec{100, 15 * time.Minute}, "100/15m"},
		{Spec{1000, 48 * time.Hour}, "1000/2d"},
		{Spec{7, 90 * time.Minute}, "7/90m"},
		{Spec{7, 1500 * time.Millisecond}, "7/1500ms"},
		{Spec{7, 1500 * time.Microsecond}, "7/1.5ms"},
	} {
		if got := tc.spec.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.spec, got, tc.want)
		}
	}
	// JSON and flags use the text form.
	var cfg Config
	if err := json.Unmarshal([]byte(`{"rate":"5/15m","algorithm":"gcra","skip_successful_requests":true}`), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Rate != (Spec{5, 15 * time.Minute}) || cfg.Algorithm != GCRA || !cfg.SkipSuccessfulRequests {
		t.Fatalf("decoded %+v", cfg)
	}
	if err := json.Unmarshal([]byte(`{"rate":"5"}`), &cfg); !errors.Is(err, errInvalidSpec) {
		t.Fatalf("bad rate in JSON: got %v", err)
	}
	out, _ := json.Marshal(Config{Rate: Spec{100, 15 * time.Minute}})
	if string(out) != `{"rate":"100/15m"}` {
		t.Fatalf("encoded %s", out)
	}
	// The zero Config survives a JSON round trip.
	out, _ = json.Marshal(Config{})
	var zero Config
	if err := json.Unmarshal(out, &zero); err != nil || string(out) != `{}` || zero.Rate != (Spec{}) {
		t.Fatalf("zero Config: %s, %v", out, err)
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	spec := Spec{Limit: 100, Window: 15 * time.Minute}
	fs.Var(&spec, "api-limit", "")
	if err := fs.Parse([]string{"-api-limit", "20/1m"}); err != nil || spec != (Spec{20, time.Minute}) {
		t.Fatalf("flag: %v %v", spec, err)
	}
}

// FuzzParseSpec: the parser never panics; whatever it accepts is within
// bounds and survives a round trip through String.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"100/15m", "5/15m", "10/s", "1000/1d", "1/1h30m", "2/500ms", "0/1m", "1/-1s", "9/99999999d", "1/1.5ms", "/", "1/d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := parseSpec(s)
		if err != nil {
			if !errors.Is(err, errInvalidSpec) {
				t.Fatalf("parseSpec(%q): error %v does not wrap errInvalidSpec", s, err)
			}
			return
		}
		if err := spec.Validate(); err != nil {
			t.Fatalf("parseSpec(%q) = %v, out of bounds: %v", s, spec, err)
		}
		back, err := parseSpec(spec.String())
		if err != nil || back != spec {
			t.Fatalf("round trip of %q: %v → %q → %v, %v", s, spec, spec.String(), back, err)
		}
	})
}
