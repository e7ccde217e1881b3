package scan

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// reportStyle is the report's only style sheet. The page's policy allows
// it by hash, so the report needs no 'unsafe-inline' and runs no script.
const reportStyle = `
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1b;background:#fff}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2.5rem;border-bottom:1px solid #ddd}h3{font-size:1rem;margin-top:1.5rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;vertical-align:top;padding:.3rem .5rem;border-bottom:1px solid #eee}
th{background:#f6f6f6;font-weight:600}
.grade{display:inline-block;min-width:2.6rem;text-align:center;font-weight:700;font-size:1.3rem;padding:.2rem .5rem;border-radius:.3rem;color:#fff}
.g-a{background:#1a7f37}.g-b{background:#9a6700}.g-c{background:#bc4c00}.g-d,.g-f{background:#cf222e}
.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}.note{color:#57606a}
.fix{color:#57606a;font-size:.9em}.mono{font-family:ui-monospace,monospace;font-size:.85em;word-break:break-all}
.wide{overflow-x:auto}.matrix{font-size:.85em}.matrix td,.matrix th{text-align:center;white-space:nowrap;padding:.25rem .3rem}
.matrix th{white-space:normal;overflow-wrap:anywhere;hyphens:auto;min-width:4.5rem;font-size:.8em}.matrix td:first-child,.matrix th:first-child{text-align:left;white-space:normal;min-width:12rem}
.cell-pass{background:#dafbe1}.cell-fail{background:#ffebe9}.cell-worse{background:#ff8182}
.error{color:#cf222e}
`

// reportCSP is the policy of the report page: nothing loads, nothing runs,
// only its own style sheet applies. It travels in a <meta> element because
// the report is a file, opened without HTTP headers.
var reportCSP = "default-src 'none'; style-src '" + styleHash(reportStyle) + "'; img-src 'none'; base-uri 'none'; form-action 'none'"

func styleHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"gradeClass": func(g string) string {
		if g == "" {
			return "g-f"
		}
		return "g-" + strings.ToLower(g[:1])
	},
	"signed": func(n int) string { return fmt.Sprintf("%+d", n) },
	"path":   pathOf,
	"cell": func(page *Report, name string, home *Report) matrixCell {
		t, ok := page.Test(name)
		if !ok {
			return matrixCell{Text: "–", Title: "not run"}
		}
		c := matrixCell{Text: "✓", Class: "cell-pass", Title: t.Result}
		if !t.Pass {
			c.Text, c.Class = "✗", "cell-fail"
		}
		if t.ScoreModifier != 0 {
			c.Text += " " + fmt.Sprintf("%+d", t.ScoreModifier)
		}
		if h, ok := home.Test(name); ok && page != home && !siteWide[name] && pageWorse(t, h) {
			c.Class = "cell-worse"
			c.Title += " (worse than the graded page: " + h.Result + ")"
		}
		return c
	},
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>harden scan report</title>
<style>{{.Style}}</style>
</head>
<body>
<h1>harden scan report</h1>
{{range .Reports}}{{$home := .}}
<section>
<h2>{{.Host}}</h2>
{{if .Error}}<p class="error">Not scanned: {{.Error}}</p>{{else}}
<p><span class="grade {{gradeClass .Grade}}">{{.Grade}}</span> score {{.Score}} · {{.TestsPassed}}/{{.TestsQuantity}} tests passed · {{.Model}} model · <span class="mono">{{.URL}}</span> ({{.StatusCode}})</p>
<h3>Observatory tests{{if .Observatory}} ({{.Observatory}}){{end}}</h3>
<table>
<tr><th>test</th><th>result</th><th>score</th><th>what was found, and the fix</th></tr>
{{range .Tests}}<tr><td>{{.Name}}</td><td>{{if .Pass}}<span class="pass">pass</span>{{else}}<span class="fail">fail</span>{{end}}<br><span class="mono">{{.Result}}</span></td><td>{{signed .ScoreModifier}}</td><td>{{.Description}}{{if .Fix}}<br><span class="fix">Fix: {{.Fix}}</span>{{end}}{{if .Data}}<br><span class="mono">{{.Data}}</span>{{end}}</td></tr>
{{end}}</table>
<h3>Beyond the Observatory{{if ne .Model "harden"}} (not scored in this model){{end}}</h3>
<table>
<tr><th>check</th><th>result</th><th>score</th><th>what was found, and the fix</th></tr>
{{range .Findings}}<tr><td>{{.Name}}</td><td>{{if .Pass}}<span class="pass">pass</span>{{else}}<span class="fail">fail</span>{{end}}<br><span class="mono">{{.Result}}</span></td><td>{{signed .ScoreModifier}}</td><td>{{.Description}}{{if .Fix}}<br><span class="fix">Fix: {{.Fix}}</span>{{end}}{{if .Data}}<br><span class="mono">{{.Data}}</span>{{end}}</td></tr>
{{end}}</table>
{{if .Pages}}
<h3>Pages × checks</h3>
<p class="note">✓ pass, ✗ fail, with the score modifier; red: worse than the graded page. Hover a cell for the result.</p>
<div class="wide"><table class="matrix">
<tr><th>page</th><th>status</th><th>grade</th>{{range $.Columns}}<th>{{.}}</th>{{end}}</tr>
<tr><td class="mono">{{path .URL}} (graded page)</td><td>{{.StatusCode}}</td><td>{{.Grade}} {{.Score}}</td>{{range $.Columns}}{{$c := cell $home . $home}}<td class="{{$c.Class}}" title="{{$c.Title}}">{{$c.Text}}</td>{{end}}</tr>
{{range .Pages}}{{$page := .}}<tr><td class="mono">{{if and .Method (ne .Method "GET")}}{{.Method}} {{end}}{{path .URL}} ({{.Source}})</td>{{if .Error}}<td colspan="{{$.Span}}" class="error">{{.Error}}</td>{{else}}<td>{{.StatusCode}}</td><td>{{.Grade}} {{.Score}}</td>{{range $.Columns}}{{$c := cell $page . $home}}<td class="{{$c.Class}}" title="{{$c.Title}}">{{$c.Text}}</td>{{end}}{{end}}</tr>
{{end}}</table></div>
{{if .SiteFindings}}<h3>Pages worse than the graded page</h3>
<table>
<tr><th>test</th><th>result</th><th>pages</th><th>fix</th></tr>
{{range .SiteFindings}}<tr><td>{{.Test}}</td><td class="mono">{{.Result}}<br>(graded page: {{.HomeResult}})</td><td class="mono">{{range $i, $p := .Pages}}{{if $i}}<br>{{end}}{{$p}}{{end}}</td><td class="fix">{{.Fix}}</td></tr>
{{end}}</table>{{else}}<p class="pass">Every page does as well as the graded page on every test.</p>{{end}}
{{end}}{{end}}
</section>
{{end}}
</body>
</html>
`))

// matrixCell is one cell of the pages × checks matrix.
type matrixCell struct{ Text, Class, Title string }

// pathOf is the path and query of a URL, for the matrix's rows.
func pathOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			return rest[j:]
		}
		return "/"
	}
	return u
}

// WriteHTML writes the reports as one self-contained HTML page: no external
// asset, no script, and a Content-Security-Policy that allows only the
// page's own style sheet (by hash). Every value from the scanned site is
// escaped by html/template. In site mode it adds a pages × checks matrix.
func WriteHTML(w io.Writer, reports ...*Report) error {
	var columns []string
	for _, r := range reports {
		if len(r.Pages) == 0 {
			continue
		}
		for _, t := range append(append([]TestResult(nil), r.Tests...), r.Findings...) {
			if !contains(columns, t.Name) {
				columns = append(columns, t.Name)
			}
		}
	}
	return reportTemplate.Execute(w, struct {
		CSP     string
		Style   template.CSS
		Reports []*Report
		Columns []string
		Span    int
	}{reportCSP, template.CSS(reportStyle), reports, columns, len(columns) + 2})
}
