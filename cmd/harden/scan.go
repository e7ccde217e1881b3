package main

import (
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
	"time"

	"github.com/harden-go/harden/scan"
)

func init() {
	register(command{name: "scan", summary: "grade a site's security headers (Mozilla Observatory compatible)", run: runScan})
}

// Exit statuses of harden scan.
const (
	scanOK        = 0 // every target met --min-grade and --min-score
	scanBelow     = 1 // a target scored below --min-grade or --min-score
	scanUsage     = 2 // bad flags or arguments
	scanUnreached = 3 // a target could not be scanned
)

func runScan(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("harden scan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		asJSON     = fs.Bool("json", false, "print the report as JSON")
		asSARIF    = fs.Bool("sarif", false, "print failed tests as SARIF 2.1.0 (for code-scanning uploads)")
		model      = fs.String("model", scan.ModelObservatory, "grading model: observatory (the Mozilla HTTP Observatory's score) or harden (also scores the extra checks)")
		minGrade   = fs.String("min-grade", "", "exit 1 when a grade is worse than this (A+, A, A-, B+, ... F)")
		minScore   = fs.Int("min-score", -1, "exit 1 when a score is below this")
		probe      = fs.Bool("probe", false, "send the active probes: a credentialed CORS request from a foreign origin, and with --csrf-url a cross-site POST")
		csrfURL    = fs.String("csrf-url", "", "URL on the scanned host for the cross-site POST probe (needs --probe)")
		httpPort   = fs.Int("http-port", 0, "port for http:// (default: the target's port, else 80)")
		httpsPort  = fs.Int("https-port", 0, "port for https:// (default: the target's port, else 443)")
		redirects  = fs.Int("max-redirects", scan.DefaultMaxRedirects, "redirects followed per chain")
		offHost    = fs.Bool("follow-off-host", false, "follow redirects to other host names (off: stop and report)")
		timeout    = fs.Duration("timeout", scan.DefaultTimeout, "timeout of each request")
		total      = fs.Duration("total-timeout", time.Minute, "timeout of the whole scan of one target")
		maxBody    = fs.Int64("max-body", scan.DefaultMaxBodyBytes, "bytes of the page read at most")
		caFile     = fs.String("ca-file", "", "PEM file of extra certificate authorities to trust (a private or test CA)")
		preload    = fs.String("preload-list", "", "HSTS preload list as JSON {host: {mode, includeSubDomains}} (default: empty)")
		colorMode  = fs.String("color", "auto", "colour the table: auto (on a terminal), always, never")
		probeOrig  = fs.String("probe-origin", scan.DefaultProbeOrigin, "origin the probes claim")
		userAgent  = fs.String("user-agent", "", "User-Agent of the scan's requests")
		targets    []string
		tlsConfig  *tls.Config
		preloadMap scan.PreloadList
	)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: harden scan [flags] HOST[:PORT]|URL ...")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Fetches http:// and https:// of each target, follows redirects on the same host,")
		fmt.Fprintln(stderr, "and grades the security headers as the Mozilla HTTP Observatory does; each finding")
		fmt.Fprintln(stderr, "says what to change. Exit status: 0 ok, 1 below --min-grade/--min-score,")
		fmt.Fprintln(stderr, "2 usage error, 3 a target could not be scanned.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return scanOK
		}
		return scanUsage
	}
	targets = fs.Args()
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "harden scan: "+format+"\n", a...)
		return scanUsage
	}
	if len(targets) == 0 {
		fs.Usage()
		return scanUsage
	}
	if *asJSON && *asSARIF {
		return usage("--json and --sarif exclude each other")
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
	opts := scan.Options{
		HTTPPort: *httpPort, HTTPSPort: *httpsPort, MaxRedirects: *redirects, FollowOffHost: *offHost,
		Timeout: *timeout, MaxBodyBytes: *maxBody, TLSConfig: tlsConfig, UserAgent: *userAgent,
		Probe: *probe, CSRFURL: *csrfURL, ProbeOrigin: *probeOrig,
	}
	color := *colorMode == "always" || *colorMode == "auto" && isTerminal(stdout)
	status := scanOK
	var reports []*scan.Report
	for i, target := range targets {
		if _, err := scan.ParseTarget(target); err != nil {
			return usage("%s: %v", target, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), *total)
		rep, _, err := scan.Scan(ctx, target, opts, scan.GradeOptions{Model: *model, Preload: preloadMap})
		cancel()
		if err != nil {
			fmt.Fprintf(stderr, "harden scan: %s: %v\n", target, err)
			status = scanUnreached
			continue
		}
		reports = append(reports, rep)
		rank, _ := scan.GradeRank(rep.Grade)
		below := rank > wantRank || rep.Score < *minScore
		if below && status == scanOK {
			status = scanBelow
		}
		switch {
		case *asJSON:
			_ = scan.WriteJSON(stdout, rep)
		case *asSARIF:
		default:
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			_ = scan.WriteTable(stdout, rep, color)
		}
		if below {
			fmt.Fprintf(stderr, "harden scan: %s: %s %d is below the minimum (%s)\n", target, rep.Grade, rep.Score, minimum(*minGrade, *minScore))
		}
	}
	if *asSARIF {
		if err := scan.WriteSARIF(stdout, reports...); err != nil {
			fmt.Fprintf(stderr, "harden scan: %v\n", err)
			return scanUnreached
		}
	}
	return status
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
