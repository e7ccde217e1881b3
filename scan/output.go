package scan

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteJSON writes v (a report, or a slice of them) as one indented JSON
// document.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// ANSI colours, used only when the output is a terminal.
const (
	ansiReset  = "\x1b[0m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiBold   = "\x1b[1m"
)

// WriteTable writes the report as a table for a terminal; color adds ANSI
// colours.
func WriteTable(w io.Writer, r *Report, color bool) error {
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return code + s + ansiReset
	}
	gradeColor := ansiGreen
	switch {
	case strings.HasPrefix(r.Grade, "B"), strings.HasPrefix(r.Grade, "C"):
		gradeColor = ansiYellow
	case strings.HasPrefix(r.Grade, "D"), r.Grade == "F":
		gradeColor = ansiRed
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s  score %d  (%s model, %d/%d tests passed)\n",
		r.URL, paint(ansiBold+gradeColor, r.Grade), r.Score, r.Model, r.TestsPassed, r.TestsQuantity)
	section := func(title string, tests []TestResult, counted bool) {
		fmt.Fprintf(&b, "\n%s\n", title)
		for _, t := range tests {
			mark := paint(ansiGreen, "pass")
			if !t.Pass {
				mark = paint(ansiRed, "FAIL")
			}
			mod := fmt.Sprintf("%+d", t.ScoreModifier)
			if !counted {
				mod = "(" + mod + ")"
			}
			fmt.Fprintf(&b, "  %s %6s  %-30s %s\n", mark, mod, t.Name, t.Description)
			if t.Fix != "" && (!t.Pass || t.ScoreModifier <= 0) {
				fmt.Fprintf(&b, "  %11s  %-30s %s %s\n", "", "", paint(ansiYellow, "fix:"), t.Fix)
			}
		}
	}
	testsTitle := "Observatory tests"
	if r.Observatory != "" { // a report read from an older JSON file has none
		testsTitle += " (" + r.Observatory + ")"
	}
	section(testsTitle, r.Tests, true)
	title := "Beyond the Observatory (not scored in this model)"
	if r.Model == ModelHarden {
		title = "Beyond the Observatory"
	}
	section(title, r.Findings, r.Model == ModelHarden)
	if len(r.Pages) > 0 {
		fmt.Fprintf(&b, "\nPages (site mode)\n")
		for _, p := range r.Pages {
			label := p.URL
			if p.Method != "" && p.Method != "GET" {
				label = p.Method + " " + label
			}
			if p.Error != "" {
				fmt.Fprintf(&b, "  %-3s %-3s %4s  %s (%s): %s\n", "-", "-", "", label, p.Source, paint(ansiRed, p.Error))
				continue
			}
			fmt.Fprintf(&b, "  %3d %-3s %4d  %s (%s)\n", p.StatusCode, p.Grade, p.Score, label, p.Source)
		}
		if len(r.SiteFindings) == 0 {
			fmt.Fprintf(&b, "  every page does as well as the graded page on every test\n")
		}
		for _, f := range r.SiteFindings {
			fmt.Fprintf(&b, "  %s %-30s %s\n", paint(ansiRed, "WORSE"), f.Test, f.Description)
			fmt.Fprintf(&b, "  %5s %-30s pages: %s\n", "", "", strings.Join(f.Pages, ", "))
			if f.Fix != "" {
				fmt.Fprintf(&b, "  %5s %-30s %s %s\n", "", "", paint(ansiYellow, "fix:"), f.Fix)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// SARIF 2.1.0, the subset code-scanning interfaces read.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	ShortDescription sarifMessage `json:"shortDescription"`
	Help             sarifMessage `json:"help"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID     string          `json:"ruleId"`
	Level      string          `json:"level"`
	Message    sarifMessage    `json:"message"`
	Locations  []sarifLocation `json:"locations"`
	Properties map[string]any  `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

// sarifLevel maps a failed outcome's modifier to a SARIF level.
func sarifLevel(t TestResult) string {
	switch {
	case t.ScoreModifier <= -20:
		return "error"
	case t.ScoreModifier < 0:
		return "warning"
	}
	return "note"
}

// WriteSARIF writes the failed tests and findings of the reports as one
// SARIF 2.1.0 log; each result's rule is "test/result" and its location the
// graded URL.
func WriteSARIF(w io.Writer, reports ...*Report) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "harden scan"}}, Results: []sarifResult{}}
	rules := map[string]bool{}
	for _, r := range reports {
		for _, t := range append(append([]TestResult(nil), r.Tests...), r.Findings...) {
			if t.Pass {
				continue
			}
			id := t.Name + "/" + t.Result
			if !rules[id] {
				rules[id] = true
				run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
					ID:               id,
					ShortDescription: sarifMessage{Text: t.Description},
					Help:             sarifMessage{Text: t.Fix},
				})
			}
			msg := t.Description
			if t.Fix != "" {
				msg += ". Fix: " + t.Fix
			}
			run.Results = append(run.Results, sarifResult{
				RuleID:     id,
				Level:      sarifLevel(t),
				Message:    sarifMessage{Text: msg},
				Locations:  []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: r.URL}}}},
				Properties: map[string]any{"scoreModifier": t.ScoreModifier, "grade": r.Grade, "score": r.Score},
			})
		}
	}
	for _, r := range reports {
		for _, f := range r.SiteFindings {
			id := "site/" + f.Test + "/" + f.Result
			if !rules[id] {
				rules[id] = true
				run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
					ID:               id,
					ShortDescription: sarifMessage{Text: "pages do worse than the graded page on " + f.Test},
					Help:             sarifMessage{Text: f.Fix},
				})
			}
			var locs []sarifLocation
			for _, p := range r.Pages {
				for _, label := range f.Pages {
					if pageLabelOf(p) == label {
						locs = append(locs, sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: p.URL}}})
					}
				}
			}
			run.Results = append(run.Results, sarifResult{
				RuleID:     id,
				Level:      sarifLevel(TestResult{ScoreModifier: modifiers[f.Result] - modifiers[f.HomeResult]}),
				Message:    sarifMessage{Text: f.Description + ". Pages: " + strings.Join(f.Pages, ", ") + ". Fix: " + f.Fix},
				Locations:  locs,
				Properties: map[string]any{"grade": r.Grade, "score": r.Score},
			})
		}
	}
	if run.Tool.Driver.Rules == nil {
		run.Tool.Driver.Rules = []sarifRule{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}
