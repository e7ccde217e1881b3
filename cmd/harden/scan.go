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

func runScan(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("harden scan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		asJSON      = fs.Bool("json", false, "print the report as one JSON document (an array when several targets are scanned)")
		asJSONL     = fs.Bool("jsonl", false, "print one JSON report per line (JSON Lines), in the order of the targets")
		asSARIF     = fs.Bool("sarif", false, "print failed tests as SARIF 2.1.0 (for code-scanning uploads)")
		targetsFile = fs.String("targets", "", "read more targets from this file, one per line (# comments and blank lines ignored; - is standard input)")
		concurrency = fs.Int("concurrency", 4, fmt.Sprintf("targets scanned at once (1-%d)", maxConcurrency))
		model       = fs.String("model", scan.ModelObservatory, "grading model: observatory (the Mozilla HTTP Observatory's score) or harden (also scores the extra checks)")
		minGrade    = fs.String("min-grade", "", "exit 1 when a grade is worse than this (A+, A, A-, B+, ... F)")
		minScore    = fs.Int("min-score", -1, "exit 1 when a score is below this")
		probe       = fs.Bool("probe", false, "send the active probes: a credentialed CORS request from a foreign origin, and with --csrf-url a cross-site POST")
		csrfURL     = fs.String("csrf-url", "", "URL on the scanned host for the cross-site POST probe (needs --probe)")
		httpPort    = fs.Int("http-port", 0, "port for http:// (default: the target's port, else 80)")
		httpsPort   = fs.Int("https-port", 0, "port for https:// (default: the target's port, else 443)")
		redirects   = fs.Int("max-redirects", scan.DefaultMaxRedirects, "redirects followed per chain")
		offHost     = fs.Bool("follow-off-host", false, "follow redirects to other host names (off: grade the first Location and stop)")
		timeout     = fs.Duration("timeout", scan.DefaultTimeout, "timeout of each request")
		total       = fs.Duration("total-timeout", time.Minute, "timeout of the whole scan of one target, crawl included")
		maxBody     = fs.Int64("max-body", scan.DefaultMaxBodyBytes, "bytes of the page read at most")
		caFile      = fs.String("ca-file", "", "PEM file of extra certificate authorities to trust (a private or test CA)")
		preload     = fs.String("preload-list", "", "HSTS preload list as JSON {host: {mode, includeSubDomains}} (default: empty)")
		colorMode   = fs.String("color", "auto", "colour the table: auto (on a terminal), always, never")
		probeOrig   = fs.String("probe-origin", scan.DefaultProbeOrigin, "origin the probes claim")
		userAgent   = fs.String("user-agent", "", "User-Agent of the scan's requests")
		baseline    = fs.String("baseline", "", "compare with an earlier --json/--jsonl report; exit 1 when a target, page or test got worse, printing what changed")
		htmlFile    = fs.String("html", "", "also write a self-contained HTML report (its own strict CSP, no external assets) to this file")
		crawl       = fs.Int("crawl", 0, fmt.Sprintf("site mode: also grade up to N more pages of the origin (links, forms, sitemap.xml, robots.txt) plus the 404 page and a TRACE of the page (its 405 or other refusal) (0-%d)", scan.MaxCrawlPages))
		crawlConc   = fs.Int("crawl-concurrency", scan.DefaultCrawlConcurrency, "site mode: pages fetched at once (1-16)")
		tlsConfig   *tls.Config
		preloadMap  scan.PreloadList
	)
	fs.Usage = func() {
		fmt.Fprintln(stderr, scanUsageLine)
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Fetches http:// and https:// of each target, follows redirects on the same host,")
		fmt.Fprintln(stderr, "and grades the security headers as the Mozilla HTTP Observatory does; each finding")
		fmt.Fprintln(stderr, "says what to change. Exit status: 0 ok, 1 below --min-grade/--min-score or worse than --baseline,")
		fmt.Fprintln(stderr, "2 usage error, 3 a target could not be scanned. With --crawl every page must meet")
		fmt.Fprintln(stderr, "the minimum.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	targets, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return scanOK
		}
		// The flag package has printed the error and the usage.
		return scanUsage
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "harden scan: "+format+"\n", a...)
		fmt.Fprintln(stderr, scanUsageLine)
		return scanUsage
	}
	if *targetsFile != "" {
		more, err := readTargets(*targetsFile)
		if err != nil {
			return usage("--targets: %v", err)
		}
		targets = append(targets, more...)
	}
	if len(targets) == 0 {
		if *targetsFile != "" {
			return usage("--targets: %s names no target", *targetsFile)
		}
		fs.Usage()
		return scanUsage
	}
	if len(targets) > maxTargets {
		return usage("%d targets, at most %d per run", len(targets), maxTargets)
	}
	outputs := 0
	for _, on := range []bool{*asJSON, *asJSONL, *asSARIF} {
		if on {
			outputs++
		}
	}
	if outputs > 1 {
		return usage("--json, --jsonl and --sarif exclude each other")
	}
	if *concurrency < 1 || *concurrency > maxConcurrency {
		return usage("--concurrency must be between 1 and %d", maxConcurrency)
	}
	if *crawl < 0 || *crawl > scan.MaxCrawlPages {
		return usage("--crawl must be between 0 and %d", scan.MaxCrawlPages)
	}
	if *crawlConc < 1 || *crawlConc > 16 {
		return usage("--crawl-concurrency must be between 1 and 16")
	}
	if *model != scan.ModelObservatory && *model != scan.ModelHarden {
		return usage("--model must be %s or %s", scan.ModelObservatory, scan.ModelHarden)
	}
	wantRank := len(scan.Grades)
	if *minGrade != "" {
		r, err := scan.GradeRank(*minGrade)
		if err != nil {
			return usage("--min-grade: %v", err)
		}
		wantRank = r
	}
	if *csrfURL != "" && !*probe {
		return usage("--csrf-url needs --probe")
	}
	if *colorMode != "auto" && *colorMode != "always" && *colorMode != "never" {
		return usage("--color must be auto, always or never")
	}
	for _, p := range []struct {
		name string
		port int
	}{{"--http-port", *httpPort}, {"--https-port", *httpsPort}} {
		if p.port < 0 || p.port > 65535 {
			return usage("%s must be a port number (1-65535)", p.name)
		}
	}
	for _, target := range targets {
		if _, err := scan.ParseTarget(target); err != nil {
			return usage("%s: %v", target, err)
		}
	}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			return usage("--ca-file: %v", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return usage("--ca-file: no PEM certificate in %s", *caFile)
		}
		tlsConfig = &tls.Config{RootCAs: pool}
	}
	if *preload != "" {
		data, err := os.ReadFile(*preload)
		if err != nil {
			return usage("--preload-list: %v", err)
		}
		if err := json.Unmarshal(data, &preloadMap); err != nil {
			return usage("--preload-list: %v", err)
		}
	}
	var baseReports []*scan.Report
	if *baseline != "" {
		f, err := os.Open(*baseline) // #nosec G304 -- the operator names the baseline on the command line
		if err != nil {
			return usage("--baseline: %v", err)
		}
		baseReports, err = scan.ReadReports(f)
		_ = f.Close()
		if err != nil {
			return usage("--baseline %s: %v", *baseline, err)
		}
	}
	opts := scan.Options{
		HTTPPort: *httpPort, HTTPSPort: *httpsPort, MaxRedirects: *redirects, FollowOffHost: *offHost,
		Timeout: *timeout, MaxBodyBytes: *maxBody, TLSConfig: tlsConfig, UserAgent: *userAgent,
		Probe: *probe, CSRFURL: *csrfURL, ProbeOrigin: *probeOrig,
		Crawl: *crawl, CrawlConcurrency: *crawlConc,
	}
	grading := scan.GradeOptions{Model: *model, Preload: preloadMap}
	var progress io.Writer
	if isTerminal(stderr) {
		progress = stderr
	}
	results := scanTargets(targets, *concurrency, progress, func(target string) (*scan.Report, error) {
		ctx, cancel := context.WithTimeout(context.Background(), *total)
		defer cancel()
		rep, _, err := scan.Scan(ctx, target, opts, grading)
		return rep, err
	})

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
			if rank > wantRank || rep.Score < *minScore {
				if status == scanOK {
					status = scanBelow
				}
				fmt.Fprintf(stderr, "harden scan: %s: %s %d is below the minimum (%s)\n", rep.URL, rep.Grade, rep.Score, minimum(*minGrade, *minScore))
			}
		}
		reports = append(reports, res.report)
	}
	all := make([]*scan.Report, len(results))
	for i, res := range results {
		all[i] = res.jsonValue()
	}
	if *baseline != "" {
		changes := scan.Compare(baseReports, all)
		worse := 0
		for _, c := range changes {
			if c.Worse {
				worse++
			}
		}
		fmt.Fprintf(stderr, "harden scan: compared with %s: %d worse, %d other changes\n", *baseline, worse, len(changes)-worse)
		_ = scan.WriteChanges(stderr, changes)
		if worse > 0 && status == scanOK {
			status = scanBelow
		}
	}
	if *htmlFile != "" {
		if err := writeFile(*htmlFile, func(w io.Writer) error { return scan.WriteHTML(w, all...) }); err != nil {
			fmt.Fprintf(stderr, "harden scan: --html: %v\n", err)
			return scanUnreached
		}
	}
	var werr error
	switch {
	case *asJSON:
		// One document: the report itself for one target named on the
		// command line, else an array in the order of the targets.
		if len(results) == 1 && *targetsFile == "" {
			werr = scan.WriteJSON(stdout, all[0])
		} else {
			werr = scan.WriteJSON(stdout, all)
		}
	case *asJSONL:
		enc := json.NewEncoder(stdout)
		for _, rep := range all {
			if werr = enc.Encode(rep); werr != nil {
				break
			}
		}
	case *asSARIF:
		werr = scan.WriteSARIF(stdout, reports...)
	default:
		color := *colorMode == "always" || *colorMode == "auto" && isTerminal(stdout)
		for i, rep := range reports {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			if werr = scan.WriteTable(stdout, rep, color); werr != nil {
				break
			}
		}
	}
	if werr != nil {
		fmt.Fprintf(stderr, "harden scan: writing the report: %v\n", werr)
		return scanUnreached
	}
	return status
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
