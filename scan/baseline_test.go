package scan

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func rep(host string, score int, tests ...TestResult) *Report {
	return &Report{Host: host, Model: ModelObservatory, URL: "https://" + host + "/", StatusCode: 200, Grade: GradeFor(score), Score: score, Tests: tests}
}

func tr(name, result string, pass bool, mod int) TestResult {
	return TestResult{Name: name, Result: result, Pass: pass, ScoreModifier: mod}
}

func page(u, source, method string, score int, tests ...TestResult) *Report {
	r := rep("a.example", score, tests...)
	r.URL, r.Source, r.Method = u, source, method
	return r
}

func TestCompare(t *testing.T) {
	cspGood := tr(TestCSP, "csp-implemented-with-no-unsafe-default-src-none", true, 10)
	cspNone := tr(TestCSP, "csp-not-implemented", false, -25)
	refGood := tr(TestReferrerPolicy, "referrer-policy-private", true, 5)
	refNone := tr(TestReferrerPolicy, "referrer-policy-not-implemented", true, 0)
	withPages := func(r *Report, pages ...*Report) *Report { r.Pages = pages; return r }
	for _, tt := range []struct {
		name      string
		base, cur []*Report
		want      []string // Change.String() of every change
	}{
		{"unchanged", []*Report{rep("a.example", 110, cspGood)}, []*Report{rep("a.example", 110, cspGood)}, nil},
		{"a test got worse", []*Report{rep("a.example", 110, cspGood)}, []*Report{rep("a.example", 75, cspNone)}, []string{
			"WORSE a.example: grade: A+ 110 -> B 75",
			"WORSE a.example: content-security-policy: csp-implemented-with-no-unsafe-default-src-none (+10) -> csp-not-implemented (-25)",
		}},
		{"a bonus lost is worse, the score too", []*Report{rep("a.example", 105, refGood)}, []*Report{rep("a.example", 100, refNone)}, []string{
			"WORSE a.example: grade: A+ 105 -> A+ 100",
			"WORSE a.example: referrer-policy: referrer-policy-private (+5) -> referrer-policy-not-implemented (+0)",
		}},
		{"better", []*Report{rep("a.example", 75, cspNone)}, []*Report{rep("a.example", 110, cspGood)}, []string{
			"better a.example: grade: B 75 -> A+ 110",
			"better a.example: content-security-policy: csp-not-implemented (-25) -> csp-implemented-with-no-unsafe-default-src-none (+10)",
		}},
		{"no longer scanned", []*Report{rep("a.example", 110, cspGood)}, []*Report{{Host: "a.example", Error: "scan: the site did not answer"}}, []string{
			"WORSE a.example: scan: A+ -> error: scan: the site did not answer",
		}},
		{"a new target has no baseline", []*Report{rep("a.example", 110, cspGood)}, []*Report{rep("a.example", 110, cspGood), rep("b.example", 0, cspNone)}, nil},
		{"a page got worse; the 404 probe matched by source", []*Report{withPages(rep("a.example", 110, cspGood),
			page("https://a.example/login", SourceLink, "GET", 110, cspGood),
			page("https://a.example/harden-scan-1111", SourceNotFound, "GET", 110, cspGood),
			page("https://a.example/", SourceMethodNotAllowed, "TRACE", 110, cspGood))},
			[]*Report{withPages(rep("a.example", 110, cspGood),
				page("https://a.example/login", SourceLink, "GET", 75, cspNone),
				page("https://a.example/harden-scan-2222", SourceNotFound, "GET", 75, cspNone),
				page("https://a.example/", SourceMethodNotAllowed, "TRACE", 110, cspGood),
				page("https://a.example/new", SourceLink, "GET", 0, cspNone))},
			[]string{
				"WORSE a.example /login: grade: A+ 110 -> B 75",
				"WORSE a.example /login: content-security-policy: csp-implemented-with-no-unsafe-default-src-none (+10) -> csp-not-implemented (-25)",
				"WORSE a.example (404 probe): grade: A+ 110 -> B 75",
				"WORSE a.example (404 probe): content-security-policy: csp-implemented-with-no-unsafe-default-src-none (+10) -> csp-not-implemented (-25)",
			}},
		{"a page can no longer be fetched", []*Report{withPages(rep("a.example", 110, cspGood), page("https://a.example/x", SourceLink, "GET", 110, cspGood))},
			[]*Report{withPages(rep("a.example", 110, cspGood), &Report{Host: "a.example", URL: "https://a.example/x", Source: SourceLink, Method: "GET", Error: "timeout"})},
			[]string{"WORSE a.example /x: page: 200 -> error: timeout"}},
	} {
		changes := Compare(tt.base, tt.cur)
		var got []string
		for _, c := range changes {
			got = append(got, c.String())
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s:\ngot  %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestReadReports(t *testing.T) {
	one := `{"host":"a.example","model":"observatory","url":"https://a.example/","grade":"A","score":95,"tests":[{"name":"content-security-policy","result":"csp-not-implemented"}]}`
	for _, tt := range []struct {
		name    string
		in      string
		want    int
		wantErr bool
	}{
		{"one report (--json, one target)", one, 1, false},
		{"an array (--json, several targets)", "[" + one + ",\n" + strings.Replace(one, "a.example", "b.example", 2) + "]", 2, false},
		{"JSON Lines", one + "\n" + one + "\n", 2, false},
		{"an error entry", `[{"host":"c.example","error":"scan: the site did not answer"}]`, 1, false},
		{"empty", "  \n", 0, true},
		{"not JSON", "grade A", 0, true},
		{"a SARIF log", `{"version":"2.1.0","runs":[]}`, 0, true},
		{"an array of nulls", `[null]`, 0, true},
		{"truncated", one[:40], 0, true},
	} {
		got, err := ReadReports(strings.NewReader(tt.in))
		if (err != nil) != tt.wantErr || len(got) != tt.want {
			t.Errorf("%s: got %d reports, err %v; want %d, error %v", tt.name, len(got), err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrBaseline) {
			t.Errorf("%s: error %v is not ErrBaseline", tt.name, err)
		}
	}
}

func TestWriteChangesRegressionsFirst(t *testing.T) {
	var b bytes.Buffer
	_ = WriteChanges(&b, []Change{{Host: "h", What: "x", From: "1", To: "2"}, {Host: "h", What: "y", From: "2", To: "1", Worse: true}})
	if got, want := b.String(), "WORSE h: y: 2 -> 1\nbetter h: x: 1 -> 2\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// FuzzReadReports: any bytes give reports with a host or an error, never a
// panic, and a report read is never worse than itself.
func FuzzReadReports(f *testing.F) {
	f.Add([]byte(`{"host":"a","grade":"A","score":95,"tests":[{"name":"x","result":"y"}]}`))
	f.Add([]byte(`[{"host":"a","error":"e"},{"host":"b","grade":"F","tests":[{}],"pages":[{"url":"%zz"}]}]`))
	f.Add([]byte("{\"host\":\"a\"}\n{\"host\":\"b\"}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		reps, err := ReadReports(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, r := range reps {
			if r.Host == "" {
				t.Fatalf("report without a host: %+v", r)
			}
		}
		for _, r := range reps {
			keys := map[string]bool{}
			unique := true
			for _, p := range r.Pages {
				unique = unique && !keys[pageKey(p)]
				keys[pageKey(p)] = true
			}
			for _, c := range Compare([]*Report{r}, []*Report{r}) {
				if c.Worse && unique {
					t.Fatalf("a report is worse than itself: %v", c)
				}
			}
		}
	})
}
