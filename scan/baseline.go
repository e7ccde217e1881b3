package scan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
)

// ErrBaseline means a baseline file is not a harden scan JSON report.
var ErrBaseline = errors.New("scan: the baseline is not a harden scan JSON report (--json or --jsonl output)")

// maxBaselineBytes bounds a baseline file.
const maxBaselineBytes = 64 << 20

// ReadReports reads reports written by --json (one report or an array) or
// --jsonl (one report per line).
func ReadReports(r io.Reader) ([]*Report, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxBaselineBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxBaselineBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBaseline, maxBaselineBytes)
	}
	data = bytes.TrimSpace(data)
	var reports []*Report
	switch {
	case len(data) == 0:
		return nil, fmt.Errorf("%w: empty", ErrBaseline)
	case data[0] == '[':
		if err := json.Unmarshal(data, &reports); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBaseline, err)
		}
	default:
		dec := json.NewDecoder(bytes.NewReader(data))
		for {
			var rep Report
			err := dec.Decode(&rep)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrBaseline, err)
			}
			reports = append(reports, &rep)
		}
	}
	for i, rep := range reports {
		if rep == nil || rep.Host == "" || rep.Error == "" && (rep.Grade == "" || len(rep.Tests) == 0) {
			return nil, fmt.Errorf("%w: entry %d has no host, grade or tests", ErrBaseline, i+1)
		}
	}
	return reports, nil
}

// Change is one difference between a baseline report and a new one.
type Change struct {
	// Host is the target; Page the page ("" for the graded page, else
	// its path, the probes by their source).
	Host string `json:"host"`
	Page string `json:"page,omitempty"`
	// What changed: "grade", "scan", "page", or a test's name.
	What string `json:"what"`
	// From and To are the old and new result (or grade and score).
	From string `json:"from"`
	To   string `json:"to"`
	// Worse reports a regression; other changes are improvements or news.
	Worse bool `json:"worse"`
}

func (c Change) String() string {
	where := c.Host
	if c.Page != "" {
		where += " " + c.Page
	}
	verdict := "better"
	if c.Worse {
		verdict = "WORSE"
	}
	return fmt.Sprintf("%s %s: %s: %s -> %s", verdict, where, c.What, c.From, c.To)
}

// Compare lists what changed from the baseline reports to the current
// ones, target by target (by host) and, in site mode, page by page (by
// method and path; the random 404 probe by its source). A target, page or
// test that got worse is a Change with Worse set: a lower score, a test
// that passed and now fails or costs more, a target that can no longer be
// scanned, a page that can no longer be fetched. Targets, pages and tests
// the baseline does not have are not compared.
func Compare(baseline, current []*Report) []Change {
	old := map[string]*Report{}
	for _, r := range baseline {
		old[r.Host] = r
	}
	var changes []Change
	for _, cur := range current {
		prev, ok := old[cur.Host]
		if !ok {
			continue
		}
		switch {
		case prev.Error != "" && cur.Error != "":
			continue
		case cur.Error != "":
			changes = append(changes, Change{Host: cur.Host, What: "scan", From: prev.Grade, To: "error: " + cur.Error, Worse: true})
			continue
		case prev.Error != "":
			changes = append(changes, Change{Host: cur.Host, What: "scan", From: "error", To: cur.Grade})
			continue
		}
		changes = append(changes, compareReport(cur.Host, "", prev, cur)...)
		prevPages := map[string]*Report{}
		for _, p := range prev.Pages {
			prevPages[pageKey(p)] = p
		}
		for _, p := range cur.Pages {
			pp, ok := prevPages[pageKey(p)]
			if !ok {
				continue
			}
			key := pageKey(p)
			switch {
			case pp.Error != "" && p.Error != "":
			case p.Error != "":
				changes = append(changes, Change{Host: cur.Host, Page: key, What: "page", From: fmt.Sprint(pp.StatusCode), To: "error: " + p.Error, Worse: true})
			case pp.Error != "":
				changes = append(changes, Change{Host: cur.Host, Page: key, What: "page", From: "error", To: fmt.Sprint(p.StatusCode)})
			default:
				changes = append(changes, compareReport(cur.Host, key, pp, p)...)
			}
		}
	}
	return changes
}

// compareReport compares the grade and every test of one page.
func compareReport(host, page string, prev, cur *Report) []Change {
	var out []Change
	if cur.Score != prev.Score {
		out = append(out, Change{Host: host, Page: page, What: "grade",
			From: fmt.Sprintf("%s %d", prev.Grade, prev.Score), To: fmt.Sprintf("%s %d", cur.Grade, cur.Score), Worse: cur.Score < prev.Score})
	}
	before := map[string]TestResult{}
	for _, t := range append(append([]TestResult(nil), prev.Tests...), prev.Findings...) {
		before[t.Name] = t
	}
	var tests []Change
	for _, t := range append(append([]TestResult(nil), cur.Tests...), cur.Findings...) {
		b, ok := before[t.Name]
		if !ok || b.Result == t.Result {
			continue
		}
		worse := b.Pass && !t.Pass || t.ScoreModifier < b.ScoreModifier
		tests = append(tests, Change{Host: host, Page: page, What: t.Name,
			From: fmt.Sprintf("%s (%+d)", b.Result, b.ScoreModifier), To: fmt.Sprintf("%s (%+d)", t.Result, t.ScoreModifier), Worse: worse})
	}
	sort.SliceStable(tests, func(i, j int) bool { return tests[i].Worse && !tests[j].Worse })
	return append(out, tests...)
}

// pageKey names a crawled page across runs: method and path, or the
// probe's source (its path is random).
func pageKey(p *Report) string {
	if p.Source == SourceNotFound {
		return "(404 probe)"
	}
	path := p.URL
	if u, err := url.Parse(p.URL); err == nil {
		path = u.RequestURI()
	}
	if p.Method != "" && p.Method != "GET" {
		return p.Method + " " + path
	}
	return path
}

// WriteChanges writes the changes one per line, regressions first.
func WriteChanges(w io.Writer, changes []Change) error {
	bw := bufio.NewWriter(w)
	sorted := append([]Change(nil), changes...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Worse && !sorted[j].Worse })
	for _, c := range sorted {
		fmt.Fprintln(bw, c.String())
	}
	return bw.Flush()
}
