package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/harden-go/harden/scan"
)

func init() {
	register(command{name: "scan", summary: "grade a site's security headers (Mozilla Observatory compatible)", run: runScan})
}

// Exit statuses of harden scan.
const (
	scanOK        = 0 // every target met --min-grade and --min-score
	scanBelow     = 1 // a target scored below --min-grade or --min-score, or got worse than --baseline
	scanUsage     = 2 // bad flags or arguments
	scanUnreached = 3 // a target could not be scanned
)

// scanUsageLine is printed with every usage error.
const scanUsageLine = "Usage: harden scan [flags] HOST[:PORT]|URL ... (flags may come before or after the targets)"

// maxConcurrency bounds --concurrency.
const maxConcurrency = 32

// maxTargets bounds the targets of one run (arguments and --targets).
const maxTargets = 10000

// scanRun is one invocation of harden scan: its flags, as parsed and
// checked by parseScanArgs.
type scanRun struct {
	targets     []string
	targetsFile string // --targets: more targets, one per line
	caFile      string // --ca-file: extra certificate authorities
	preloadFile string // --preload-list: the HSTS preload list
	asJSON      bool
	asJSONL     bool
	asSARIF     bool
	workers     int
	minGrade    string
	wantRank    int
	minScore    int
	colorMode   string
	htmlFile    string
	baseline    string
	base        []*scan.Report
	total       time.Duration
	opts        scan.Options
	grading     scan.GradeOptions
}

func runScan(args []string, stdout, stderr io.Writer) int {
	run, status := parseScanArgs(args, stderr)
	if run == nil {
		return status
	}
	var progress io.Writer
	if isTerminal(stderr) {
		progress = stderr
	}
	results := scanTargets(run.targets, run.workers, progress, func(target string) (*scan.Report, error) {
		ctx, cancel := context.WithTimeout(context.Background(), run.total)
		defer cancel()
		rep, _, err := scan.Scan(ctx, target, run.opts, run.grading)
		return rep, err
	})
	status, reports := run.judge(results, stderr)
	all := make([]*scan.Report, len(results))
	for i, res := range results {
		all[i] = res.jsonValue()
	}
	if run.baseline != "" && run.compare(all, stderr) && status == scanOK {
		status = scanBelow
	}
	if run.htmlFile != "" {
		if err := writeFile(run.htmlFile, func(w io.Writer) error { return scan.WriteHTML(w, all...) }); err != nil {
			fmt.Fprintf(stderr, "harden scan: --html: %v\n", err)
			return scanUnreached
		}
	}
	if err := run.write(stdout, reports, all); err != nil {
		fmt.Fprintf(stderr, "harden scan: writing the report: %v\n", err)
		return scanUnreached
	}
	return status
}

// parseScanArgs parses and checks the command line. It returns nil and
// the exit status when the run ends here (help, or a usage error it has
// printed).
func parseScanArgs(args []string, stderr io.Writer) (*scanRun, int) {
	fs := flag.NewFlagSet("harden scan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	run := &scanRun{wantRank: len(scan.Grades)}
	run.define(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, scanUsageLine)
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Fetches http:// and https:// of each target, follows redirects on the same host,")
		fmt.Fprintln(stderr, "and grades the security headers as the Mozilla HTTP Observatory "+scan.ObservatoryRelease+" does (later")
		fmt.Fprintln(stderr, "releases score some pages differently); each finding says what to change.")
		fmt.Fprintln(stderr, "Exit status: 0 ok, 1 below --min-grade/--min-score or worse than --baseline,")
		fmt.Fprintln(stderr, "2 usage error, 3 a target could not be scanned. With --crawl every page must meet")
		fmt.Fprintln(stderr, "the minimum.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	targets, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, scanOK
		}
		// The flag package has printed the error and the usage.
		return nil, scanUsage
	}
	usage := func(format string, a ...any) (*scanRun, int) {
		fmt.Fprintf(stderr, "harden scan: "+format+"\n", a...)
		fmt.Fprintln(stderr, scanUsageLine)
		return nil, scanUsage
	}
	if run.targetsFile != "" {
		more, err := readTargets(run.targetsFile)
		if err != nil {
			return usage("--targets: %v", err)
		}
		targets = append(targets, more...)
	}
	run.targets = targets
	if len(targets) == 0 {
		if run.targetsFile != "" {
			return usage("--targets: %s names no target", run.targetsFile)
		}
		fs.Usage()
		return nil, scanUsage
	}
	if msg := run.check(); msg != "" {
		return usage("%s", msg)
	}
	if run.minGrade != "" {
		r, err := scan.GradeRank(run.minGrade)
		if err != nil {
			return usage("--min-grade: %v", err)
		}
		run.wantRank = r
	}
	if err := run.load(); err != nil {
		return usage("%v", err)
	}
	return run, scanOK
}

// define declares the flags of harden scan on fs, each stored in run.
func (run *scanRun) define(fs *flag.FlagSet) {
	o := &run.opts
	fs.BoolVar(&run.asJSON, "json", false, "print the report as one JSON document (an array when several targets are scanned)")
	fs.BoolVar(&run.asJSONL, "jsonl", false, "print one JSON report per line (JSON Lines), in the order of the targets")
	fs.BoolVar(&run.asSARIF, "sarif", false, "print failed tests as SARIF 2.1.0 (for code-scanning uploads)")
	fs.StringVar(&run.targetsFile, "targets", "", "read more targets from this file, one per line (# comments and blank lines ignored; - is standard input)")
	fs.IntVar(&run.workers, "concurrency", 4, fmt.Sprintf("targets scanned at once (1-%d)", maxConcurrency))
	fs.StringVar(&run.grading.Model, "model", scan.ModelObservatory, "grading model: observatory (the Mozilla HTTP Observatory's score) or harden (also scores the extra checks)")
	fs.StringVar(&run.minGrade, "min-grade", "", "exit 1 when a grade is worse than this (A+, A, A-, B+, ... F)")
	fs.IntVar(&run.minScore, "min-score", -1, "exit 1 when a score is below this")
	fs.BoolVar(&o.Probe, "probe", false, "send the active probes: a credentialed CORS request from a foreign origin, and with --csrf-url a cross-site POST")
	fs.StringVar(&o.CSRFURL, "csrf-url", "", "URL on the scanned host for the cross-site POST probe (needs --probe)")
	fs.IntVar(&o.HTTPPort, "http-port", 0, "port for http:// (default: the target's port, else 80)")
	fs.IntVar(&o.HTTPSPort, "https-port", 0, "port for https:// (default: the target's port, else 443)")
	fs.IntVar(&o.MaxRedirects, "max-redirects", scan.DefaultMaxRedirects, "redirects followed per chain")
	fs.BoolVar(&o.FollowOffHost, "follow-off-host", false, "follow redirects to other host names (off: grade the first Location and stop)")
	fs.DurationVar(&o.Timeout, "timeout", scan.DefaultTimeout, "timeout of each request")
	fs.DurationVar(&run.total, "total-timeout", time.Minute, "timeout of the whole scan of one target, crawl included")
	fs.Int64Var(&o.MaxBodyBytes, "max-body", scan.DefaultMaxBodyBytes, "bytes of the page read at most")
	fs.StringVar(&run.caFile, "ca-file", "", "PEM file of extra certificate authorities to trust (a private or test CA)")
	fs.StringVar(&run.preloadFile, "preload-list", "", "HSTS preload list as JSON {host: {mode, includeSubDomains}} (default: empty)")
	fs.StringVar(&run.colorMode, "color", "auto", "colour the table: auto (on a terminal), always, never")
	fs.StringVar(&o.ProbeOrigin, "probe-origin", scan.DefaultProbeOrigin, "origin the probes claim")
	fs.StringVar(&o.UserAgent, "user-agent", "", "User-Agent of the scan's requests")
	fs.StringVar(&run.baseline, "baseline", "", "compare with an earlier --json/--jsonl report; exit 1 when a target, page or test got worse, printing what changed")
	fs.StringVar(&run.htmlFile, "html", "", "also write a self-contained HTML report (its own strict CSP, no external assets) to this file")
	fs.IntVar(&o.Crawl, "crawl", 0, fmt.Sprintf("site mode: also grade up to N more pages of the origin (links, forms, sitemap.xml, robots.txt) plus the 404 page and a TRACE of the page (its 405 or other refusal) (0-%d)", scan.MaxCrawlPages))
	fs.IntVar(&o.CrawlConcurrency, "crawl-concurrency", scan.DefaultCrawlConcurrency, "site mode: pages fetched at once (1-16)")
}

// check returns what is wrong with the flags' values, or "".
func (run *scanRun) check() string {
	outputs := 0
	for _, on := range []bool{run.asJSON, run.asJSONL, run.asSARIF} {
		if on {
			outputs++
		}
	}
	o := run.opts
	switch {
	case len(run.targets) > maxTargets:
		return fmt.Sprintf("%d targets, at most %d per run", len(run.targets), maxTargets)
	case outputs > 1:
		return "--json, --jsonl and --sarif exclude each other"
	case run.workers < 1 || run.workers > maxConcurrency:
		return fmt.Sprintf("--concurrency must be between 1 and %d", maxConcurrency)
	case o.Crawl < 0 || o.Crawl > scan.MaxCrawlPages:
		return fmt.Sprintf("--crawl must be between 0 and %d", scan.MaxCrawlPages)
	case o.CrawlConcurrency < 1 || o.CrawlConcurrency > 16:
		return "--crawl-concurrency must be between 1 and 16"
	case run.grading.Model != scan.ModelObservatory && run.grading.Model != scan.ModelHarden:
		return fmt.Sprintf("--model must be %s or %s", scan.ModelObservatory, scan.ModelHarden)
	case o.CSRFURL != "" && !o.Probe:
		return "--csrf-url needs --probe"
	case run.colorMode != "auto" && run.colorMode != "always" && run.colorMode != "never":
		return "--color must be auto, always or never"
	case o.HTTPPort < 0 || o.HTTPPort > 65535:
		return "--http-port must be a port number (1-65535)"
	case o.HTTPSPort < 0 || o.HTTPSPort > 65535:
		return "--https-port must be a port number (1-65535)"
	}
	for _, target := range run.targets {
		if _, err := scan.ParseTarget(target); err != nil {
			return fmt.Sprintf("%s: %v", target, err)
		}
	}
	return ""
}

// load reads the files the flags name: extra CAs, the preload list and
// the baseline report.
func (run *scanRun) load() error {
	caFile, preload := run.caFile, run.preloadFile
	if caFile != "" {
		pem, err := os.ReadFile(caFile) // #nosec G304 -- the operator names the CA file on the command line
		if err != nil {
			return fmt.Errorf("--ca-file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("--ca-file: no PEM certificate in %s", caFile)
		}
		run.opts.TLSConfig = &tls.Config{RootCAs: pool}
	}
	if preload != "" {
		data, err := os.ReadFile(preload) // #nosec G304 -- the operator names the preload list on the command line
		if err != nil {
			return fmt.Errorf("--preload-list: %w", err)
		}
		if err := json.Unmarshal(data, &run.grading.Preload); err != nil {
			return fmt.Errorf("--preload-list: %w", err)
		}
	}
	if run.baseline != "" {
		f, err := os.Open(run.baseline) // #nosec G304 -- the operator names the baseline on the command line
		if err != nil {
			return fmt.Errorf("--baseline: %w", err)
		}
		run.base, err = scan.ReadReports(f)
		_ = f.Close()
		if err != nil {
			return fmt.Errorf("--baseline %s: %w", run.baseline, err)
		}
	}
	return nil
}

// judge prints each target that could not be scanned and each page below
// the minimum, and returns the exit status and the reports of the targets
// that were scanned.
func (run *scanRun) judge(results []targetResult, stderr io.Writer) (int, []*scan.Report) {
	status := scanOK
	reports := make([]*scan.Report, 0, len(results))
	for _, res := range results {
		if res.err != nil {
			fmt.Fprintf(stderr, "harden scan: %s: %v\n", res.target, res.err)
			status = scanUnreached
			continue
		}
		// In site mode every page must meet the minimum, error pages
		// included.
		for _, rep := range append([]*scan.Report{res.report}, res.report.Pages...) {
			if rep.Error != "" {
				continue
			}
			rank, _ := scan.GradeRank(rep.Grade)
			if rank > run.wantRank || rep.Score < run.minScore {
				if status == scanOK {
					status = scanBelow
				}
				fmt.Fprintf(stderr, "harden scan: %s: %s %d is below the minimum (%s)\n", rep.URL, rep.Grade, rep.Score, minimum(run.minGrade, run.minScore))
			}
		}
		reports = append(reports, res.report)
	}
	return status, reports
}

// compare prints how all differs from the baseline and reports whether
// anything got worse.
func (run *scanRun) compare(all []*scan.Report, stderr io.Writer) bool {
	changes := scan.Compare(run.base, all)
	worse := 0
	for _, c := range changes {
		if c.Worse {
			worse++
		}
	}
	fmt.Fprintf(stderr, "harden scan: compared with %s: %d worse, %d other changes\n", run.baseline, worse, len(changes)-worse)
	_ = scan.WriteChanges(stderr, changes)
	return worse > 0
}

// write prints the reports in the chosen format: all (errors included)
// for JSON, the scanned reports for SARIF and the table.
func (run *scanRun) write(stdout io.Writer, reports, all []*scan.Report) error {
	switch {
	case run.asJSON:
		// One document: the report itself for one target named on the
		// command line, else an array in the order of the targets.
		if len(all) == 1 && run.targetsFile == "" {
			return scan.WriteJSON(stdout, all[0])
		}
		return scan.WriteJSON(stdout, all)
	case run.asJSONL:
		enc := json.NewEncoder(stdout)
		for _, rep := range all {
			if err := enc.Encode(rep); err != nil {
				return err
			}
		}
		return nil
	case run.asSARIF:
		return scan.WriteSARIF(stdout, reports...)
	}
	color := run.colorMode == "always" || run.colorMode == "auto" && isTerminal(stdout)
	for i, rep := range reports {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		if err := scan.WriteTable(stdout, rep, color); err != nil {
			return err
		}
	}
	return nil
}

// writeFile writes a report file through write, replacing the file.
func writeFile(name string, write func(io.Writer) error) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600) // #nosec G304 -- the operator names the report file on the command line
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// parseInterspersed parses flags found anywhere among args and returns the
// other arguments in order. "--" ends the flags: everything after it is a
// target.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var targets []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if consumed := args[:len(args)-len(rest)]; len(consumed) > 0 && consumed[len(consumed)-1] == "--" {
			return append(targets, rest...), nil
		}
		if len(rest) == 0 {
			return targets, nil
		}
		targets = append(targets, rest[0])
		args = rest[1:]
	}
}

// readTargets reads targets from a file (or standard input for "-"): one
// per line, blank lines and lines starting with # ignored.
func readTargets(name string) ([]string, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name) // #nosec G304 -- the operator names the targets file on the command line
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
		if len(out) > maxTargets {
			return nil, fmt.Errorf("more than %d targets", maxTargets)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// targetResult is the outcome of scanning one target.
type targetResult struct {
	target string
	report *scan.Report
	err    error
}

// jsonValue is what the JSON outputs hold for the target: its report, or
// the target and the error that stopped the scan.
func (r targetResult) jsonValue() *scan.Report {
	if r.err != nil {
		return &scan.Report{Host: r.target, Error: r.err.Error()}
	}
	return r.report
}

// scanTargets scans every target with at most workers scans at once and
// returns the results in the order of targets. When progress is not nil
// (a terminal), it keeps one line there up to date.
func scanTargets(targets []string, workers int, progress io.Writer, scanOne func(string) (*scan.Report, error)) []targetResult {
	results := make([]targetResult, len(targets))
	jobs := make(chan int)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	workers = min(workers, len(targets))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				rep, err := scanOne(targets[i])
				results[i] = targetResult{target: targets[i], report: rep, err: err}
				mu.Lock()
				done++
				if progress != nil {
					fmt.Fprintf(progress, "\r\x1b[Kscanned %d/%d: %s", done, len(targets), targets[i])
				}
				mu.Unlock()
			}
		}()
	}
	for i := range targets {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if progress != nil {
		fmt.Fprint(progress, "\r\x1b[K")
	}
	return results
}

func minimum(grade string, score int) string {
	var parts []string
	if grade != "" {
		parts = append(parts, "grade "+grade)
	}
	if score >= 0 {
		parts = append(parts, fmt.Sprintf("score %d", score))
	}
	return strings.Join(parts, ", ")
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
