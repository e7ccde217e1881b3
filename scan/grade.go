package scan

import "fmt"

// TestResult is the outcome of one test.
type TestResult struct {
	// Name is the test's name ("content-security-policy").
	Name string `json:"name"`
	// Result is the outcome's identifier, the Observatory's for its ten
	// tests ("csp-implemented-with-no-unsafe").
	Result string `json:"result"`
	// Pass reports whether the outcome is acceptable.
	Pass bool `json:"pass"`
	// ScoreModifier is what the outcome adds to the score.
	ScoreModifier int `json:"score_modifier"`
	// Description says what was found.
	Description string `json:"description"`
	// Fix says what to change; empty when nothing needs to.
	Fix string `json:"fix,omitempty"`
	// Data is the header value or other evidence the outcome rests on.
	Data string `json:"data,omitempty"`
}

// MinScoreForExtraCredit is the score, penalties only, from which bonuses
// count: a site earns extra credit only when its penalties total at most 10.
const MinScoreForExtraCredit = 90

// modifiers is the Observatory's score table, plus the harden model's own
// outcomes.
var modifiers = map[string]int{
	"csp-implemented-with-no-unsafe-default-src-none":              10,
	"csp-implemented-with-no-unsafe":                               5,
	"csp-implemented-with-unsafe-inline-in-style-src-only":         0,
	"csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
	"csp-implemented-with-unsafe-eval":                             -10,
	"csp-implemented-with-unsafe-inline":                           -20,
	"csp-implemented-with-insecure-scheme":                         -20,
	"csp-header-invalid":                                           -25,
	"csp-not-implemented":                                          -25,
	"csp-not-implemented-but-reporting-enabled":                    -25,
	"csp-implemented-but-duplicate-directives":                     0,

	"cookies-secure-with-httponly-sessions-and-samesite":        5,
	"cookies-secure-with-httponly-sessions":                     0,
	"cookies-not-found":                                         0,
	"cookies-without-secure-flag-but-protected-by-hsts":         -5,
	"cookies-session-without-secure-flag-but-protected-by-hsts": -10,
	"cookies-without-secure-flag":                               -20,
	"cookies-samesite-flag-invalid":                             -20,
	"cookies-anticsrf-without-samesite-flag":                    -20,
	"cookies-session-without-httponly-flag":                     -30,
	"cookies-session-without-secure-flag":                       -40,

	"cross-origin-resource-sharing-not-implemented":                    0,
	"cross-origin-resource-sharing-implemented-with-public-access":     0,
	"cross-origin-resource-sharing-implemented-with-restricted-access": 0,
	"cross-origin-resource-sharing-implemented-with-universal-access":  -50,

	"redirection-all-redirects-preloaded":             0,
	"redirection-to-https":                            0,
	"redirection-not-needed-no-http":                  0,
	"redirection-off-host-from-http":                  -5,
	"redirection-not-to-https-on-initial-redirection": -10,
	"redirection-not-to-https":                        -20,
	"redirection-missing":                             -20,
	"redirection-invalid-cert":                        -20,

	"referrer-policy-private":         5,
	"referrer-policy-not-implemented": 0,
	"referrer-policy-unsafe":          -5,
	"referrer-policy-header-invalid":  -5,

	"hsts-preloaded": 5,
	"hsts-implemented-max-age-at-least-six-months":  0,
	"hsts-implemented-max-age-less-than-six-months": -10,
	"hsts-not-implemented":                          -20,
	"hsts-header-invalid":                           -20,
	"hsts-not-implemented-no-https":                 -20,
	"hsts-invalid-cert":                             -20,

	"sri-implemented-and-all-scripts-loaded-securely":               5,
	"sri-implemented-and-external-scripts-loaded-securely":          5,
	"sri-not-implemented-response-not-html":                         0,
	"sri-not-implemented-but-no-scripts-loaded":                     0,
	"sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
	"sri-not-implemented-but-external-scripts-loaded-securely":      -5,
	"sri-implemented-but-external-scripts-not-loaded-securely":      -20,
	"sri-not-implemented-and-external-scripts-not-loaded-securely":  -50,
	"html-not-parseable": -20,

	"x-content-type-options-nosniff":         0,
	"x-content-type-options-not-implemented": -5,
	"x-content-type-options-header-invalid":  -5,
	"x-frame-options-implemented-via-csp":    5,
	"x-frame-options-sameorigin-or-deny":     0,
	"x-frame-options-allow-from-origin":      0,
	"x-frame-options-not-implemented":        -20,
	"x-frame-options-header-invalid":         -20,
	"corp-header-invalid":                    -5,
	"corp-implemented-with-cross-origin":     0,
	"corp-implemented-with-same-origin":      10,
	"corp-implemented-with-same-site":        10,
	"corp-not-implemented":                   0,
}

// gradeChart maps a score rounded down to a multiple of five to a grade.
var gradeChart = map[int]string{
	100: "A+", 95: "A", 90: "A", 85: "A-", 80: "B+", 75: "B", 70: "B", 65: "B-",
	60: "C+", 55: "C", 50: "C", 45: "C-", 40: "D+", 35: "D", 30: "D", 25: "D-",
	20: "F", 15: "F", 10: "F", 5: "F", 0: "F",
}

// Grades lists the grades from best to worst.
var Grades = []string{"A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"}

// GradeFor returns the grade of a score: scores of 100 and more are A+,
// others are rounded down to a multiple of five, negatives count as 0.
func GradeFor(score int) string {
	if score < 0 {
		score = 0
	}
	key := score - score%5
	if key > 100 {
		key = 100
	}
	return gradeChart[key]
}

// GradeRank is the position of grade in Grades (0 is best), or an error for
// an unknown grade.
func GradeRank(grade string) (int, error) {
	for i, g := range Grades {
		if g == grade {
			return i, nil
		}
	}
	return 0, fmt.Errorf("scan: unknown grade %q (want one of %v)", grade, Grades)
}

// score applies the Observatory's curve: start at 100, add every modifier,
// but count the bonuses only when the penalties alone leave at least
// MinScoreForExtraCredit.
func score(tests []TestResult) (total, passed int) {
	withBonus, penalties := 100, 100
	for _, t := range tests {
		withBonus += t.ScoreModifier
		if t.ScoreModifier < 0 {
			penalties += t.ScoreModifier
		}
		if t.Pass {
			passed++
		}
	}
	total = penalties
	if penalties >= MinScoreForExtraCredit {
		total = withBonus
	}
	if total < 0 {
		total = 0
	}
	return total, passed
}
