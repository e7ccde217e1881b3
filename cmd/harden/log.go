package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/harden-go/harden/internal/secevent"
)

func init() {
	register(command{name: "log", summary: "summarize a security log: events by type and hour, top refused clients and paths, panics", run: runLog})
}

const logUsage = `Usage: harden log [flags] [FILE]

Reads a security log (JSON lines as harden writes them) from FILE, or from
standard input without one, and prints a summary: events by type and by
hour, the client addresses and paths refused most often (status 400 and
above), and the last panics with their request ids.

Lines that are not security events are counted as malformed and skipped;
lines longer than 64 KiB are skipped too. With --follow, harden log reads
FILE to its end, then keeps reading what is appended, reopening FILE when
it is rotated (renamed or truncated), and prints the summary again every
--interval while new events arrive, and once more on exit (Ctrl-C).
Memory stays bounded: past 10,000 distinct addresses, paths or event
types, new ones are counted as "(other)"; the last 1,000 hours are kept.

Flags:
`

// Bounds of a summary, so that --follow on a log of a flood (millions of
// distinct addresses and paths) keeps a fixed amount of memory.
const (
	logMaxLine   = 64 << 10 // a panic's stack is capped at 16 KiB by seclog
	logMaxKeys   = 10000    // distinct keys per counter; the rest count as "(other)"
	logMaxHours  = 1000     // hours kept; older ones count as "earlier"
	logMaxPanics = 5        // panics listed
	logMaxKeyLen = 256      // bytes of a key (address, path, type) kept
	logOther     = "(other)"
	logPoll      = 200 * time.Millisecond // how often --follow looks for more
)

func runLog(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return logCommand(ctx, args, os.Stdin, stdout, stderr)
}

// logCommand is harden log reading stdin when no file is named.
func logCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, code := parseLogFlags(args, stderr)
	if code >= 0 {
		return code
	}
	s := newLogSummary()
	var err error
	if o.follow {
		err = o.followSummary(ctx, s, stdout)
	} else {
		err = o.readSummary(stdin, s, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "harden log: %v\n", err)
		return 1
	}
	return 0
}

// logOptions are the command line of harden log.
type logOptions struct {
	follow   bool
	asJSON   bool
	top      int
	interval time.Duration
	args     []string // FILE, or none
}

// parseLogFlags returns the command line of harden log and -1, or an exit
// code.
func parseLogFlags(args []string, stderr io.Writer) (*logOptions, int) {
	o := &logOptions{}
	fs := flag.NewFlagSet("log", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.follow, "follow", false, "keep reading FILE as it grows, across rotation; print the summary every --interval and on exit")
	fs.BoolVar(&o.asJSON, "json", false, "print the summary as one JSON document (one per line with --follow)")
	fs.IntVar(&o.top, "top", 10, "how many addresses, paths and event types to list")
	fs.DurationVar(&o.interval, "interval", 10*time.Second, "with --follow: how often to print the summary when events arrived")
	fs.Usage = func() {
		fmt.Fprint(stderr, logUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, 0
		}
		return nil, 2
	}
	o.args = fs.Args()
	var msg string
	switch {
	case fs.NArg() > 1:
		msg = fmt.Sprintf("one file at most, got %d arguments", fs.NArg())
	case o.top < 1 || o.top > logMaxKeys:
		msg = fmt.Sprintf("--top must be between 1 and %d", logMaxKeys)
	case o.follow && fs.NArg() == 0:
		msg = "--follow needs a FILE"
	case o.interval < 100*time.Millisecond:
		msg = "--interval must be at least 100ms"
	default:
		return o, -1
	}
	fmt.Fprintf(stderr, "harden log: %s\n", msg)
	return nil, 2
}

// show writes the summary s to w, as text or JSON.
func (o *logOptions) show(w io.Writer, s *logSummary) error {
	if o.asJSON {
		return s.writeJSON(w, o.top)
	}
	return s.writeText(w, o.top)
}

// followSummary follows the named file until ctx is done, printing the
// summary (text ones under a time stamp) every interval while events
// arrive, and once more at the end.
func (o *logOptions) followSummary(ctx context.Context, s *logSummary, stdout io.Writer) error {
	err := followLog(ctx, o.args[0], s, o.interval, func() error {
		if !o.asJSON {
			fmt.Fprintf(stdout, "--- %s\n", time.Now().UTC().Format(time.RFC3339))
		}
		return o.show(stdout, s)
	})
	if err != nil {
		return err
	}
	return o.show(stdout, s)
}

// readSummary reads the named file, or stdin without one or for "-", to
// its end and prints its summary.
func (o *logOptions) readSummary(stdin io.Reader, s *logSummary, stdout io.Writer) error {
	in := stdin
	if len(o.args) == 1 && o.args[0] != "-" {
		f, err := os.Open(o.args[0]) // #nosec G304 -- the file the operator names
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	if err := readLog(in, s); err != nil {
		return err
	}
	return o.show(stdout, s)
}

// readLog adds every line of in to s; a line longer than logMaxLine counts
// as malformed.
func readLog(in io.Reader, s *logSummary) error {
	lr := newLineReader(in)
	for {
		line, tooLong, err := lr.next()
		if errors.Is(err, io.EOF) {
			if rest, tooLong := lr.rest(); tooLong {
				s.malformed++
			} else if len(rest) > 0 {
				s.add(rest)
			}
			return nil
		}
		if err != nil {
			return err
		}
		if tooLong {
			s.malformed++
			continue
		}
		s.add(line)
	}
}

// followLog reads path to its end and then what is appended, until ctx is
// done, calling report every interval when events arrived. When path is
// renamed away and created anew (logrotate's default) the rest of the old
// file is read and the new one opened; when it shrinks (copytruncate), it
// is read again from its start.
func followLog(ctx context.Context, path string, s *logSummary, interval time.Duration, report func() error) error {
	f, err := os.Open(path) // #nosec G304 -- the file the operator names
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	lr := newLineReader(f)
	var offset int64 // bytes read from f, to notice truncation
	lastReport := time.Now()
	seen := s.events + s.malformed
	poll := time.NewTicker(logPoll)
	defer poll.Stop()
	for {
		// Read every whole line there is.
		for {
			line, tooLong, err := lr.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			offset += int64(lr.consumed())
			if tooLong {
				s.malformed++
				continue
			}
			s.add(line)
		}
		offset += int64(lr.consumed())
		if n := s.events + s.malformed; n != seen && time.Since(lastReport) >= interval {
			if err := report(); err != nil {
				return err
			}
			seen, lastReport = n, time.Now()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
		}
		// Rotation: a new file under the name, or this one truncated.
		cur, err := f.Stat()
		if err != nil {
			return err
		}
		st, err := os.Stat(path)
		switch {
		case err != nil:
			// Renamed and not yet recreated: keep the old file.
		case !os.SameFile(cur, st):
			// Read what was written to the old file before it moved.
			for {
				line, tooLong, err := lr.next()
				if err != nil {
					break
				}
				if tooLong {
					s.malformed++
				} else {
					s.add(line)
				}
			}
			if rest, tooLong := lr.rest(); tooLong || len(rest) > 0 {
				s.malformed++ // a line cut by the rotation
			}
			nf, err := os.Open(path) // #nosec G304 -- the file the operator names
			if err != nil {
				continue // created but not readable yet: try again
			}
			_ = f.Close()
			f, lr, offset = nf, newLineReader(nf), 0
		case st.Size() < offset:
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return err
			}
			lr, offset = newLineReader(f), 0
		}
	}
}

// lineReader splits a stream into lines of at most max bytes, without
// ever holding more than that: a longer line is skipped up to its newline
// and reported as too long. A line cut by the end of the stream is kept
// until the rest arrives (a file still being written).
type lineReader struct {
	br       *bufio.Reader
	pending  []byte
	skipping bool
	max      int
	n        int // bytes consumed since the last consumed() call
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 16<<10), max: logMaxLine}
}

// next returns the next whole line without its line ending; the line is
// valid until the next call. tooLong reports a line dropped for its
// length. err is io.EOF when no whole line is available (yet).
func (l *lineReader) next() (line []byte, tooLong bool, err error) {
	for {
		chunk, err := l.br.ReadSlice('\n')
		l.n += len(chunk)
		switch {
		case err == nil:
			// max+2: the line, then "\r\n".
			if l.skipping || len(l.pending)+len(chunk) > l.max+2 {
				l.skipping, l.pending = false, l.pending[:0]
				return nil, true, nil
			}
			if len(l.pending) > 0 {
				line = append(l.pending, chunk...)
				l.pending = line[:0]
			} else {
				line = chunk
			}
			line = bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
			if len(line) > l.max {
				return nil, true, nil
			}
			return line, false, nil
		case errors.Is(err, bufio.ErrBufferFull), errors.Is(err, io.EOF):
			if !l.skipping {
				// max+1: the line and a "\r" whose "\n" is still to come.
				if len(l.pending)+len(chunk) > l.max+1 {
					// A line longer than max: drop what is held and
					// skip to its end rather than grow without bound.
					l.skipping, l.pending = true, l.pending[:0]
				} else {
					l.pending = append(l.pending, chunk...)
				}
			}
			if errors.Is(err, io.EOF) {
				return nil, false, io.EOF
			}
		default:
			return nil, false, err
		}
	}
}

// rest returns the unterminated line held at the end of the stream, or
// reports that it was too long. It empties the reader's state.
func (l *lineReader) rest() (line []byte, tooLong bool) {
	line, tooLong = bytes.TrimSuffix(l.pending, []byte("\r")), l.skipping
	l.pending, l.skipping = nil, false
	if tooLong || len(line) > l.max {
		return nil, true
	}
	return line, false
}

// consumed returns the bytes read since its last call.
func (l *lineReader) consumed() int {
	n := l.n
	l.n = 0
	return n
}

// logEvent is what the summary reads of a security event.
type logEvent struct {
	Time      time.Time `json:"time"`
	Event     string    `json:"event"`
	IP        string    `json:"ip"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Status    int       `json:"status"`
	RequestID string    `json:"request_id"`
	Details   struct {
		Error json.RawMessage `json:"error"`
	} `json:"details"`
}

// errNotEvent: the line is JSON but not a security event.
var errNotEvent = errors.New("not a security event: no event name or time")

// parseLogLine decodes one line of a security log. The line comes from a
// file anyone able to reach the service can put text into (paths, user
// agents), so nothing in it is trusted: a line that is not a JSON object
// with an event name and a time is an error, and long values are cut.
func parseLogLine(line []byte) (logEvent, error) {
	var e logEvent
	if err := json.Unmarshal(line, &e); err != nil {
		return logEvent{}, err
	}
	if e.Event == "" || e.Time.IsZero() {
		return logEvent{}, errNotEvent
	}
	e.Event = capKey(e.Event)
	e.IP = capKey(e.IP)
	e.Method = capKey(e.Method)
	e.Path = capKey(e.Path)
	e.RequestID = capKey(e.RequestID)
	return e, nil
}

// panicMessage is the panic value of a panic event's details.error (an
// object with "panic" and "stack", or a string), on one line.
func (e *logEvent) panicMessage() string {
	var msg string
	var obj struct {
		Panic string `json:"panic"`
	}
	if json.Unmarshal(e.Details.Error, &obj) == nil && obj.Panic != "" {
		msg = obj.Panic
	} else {
		_ = json.Unmarshal(e.Details.Error, &msg)
	}
	msg, _, _ = strings.Cut(msg, "\n")
	return capKey(msg)
}

// capKey cuts s to logMaxKeyLen bytes at a rune boundary and replaces
// control characters, so that a crafted value can neither grow the
// summary nor forge lines in it (log injection into the terminal).
func capKey(s string) string {
	if len(s) > logMaxKeyLen {
		cut := logMaxKeyLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return '?'
		}
		return r
	}, s)
}

// boundedCounter counts keys, at most max distinct ones; later new keys
// are counted together as other.
type boundedCounter struct {
	counts map[string]int64
	other  int64
	max    int
}

func newBoundedCounter(max int) *boundedCounter {
	return &boundedCounter{counts: map[string]int64{}, max: max}
}

func (c *boundedCounter) add(k string) {
	if _, ok := c.counts[k]; ok || len(c.counts) < c.max {
		c.counts[k]++
		return
	}
	c.other++
}

// countEntry is one row of a top list.
type countEntry struct {
	Key   string `json:"key"`
	Count int64  `json:"count"`
}

// top returns the n largest counts, ties by key, then "(other)" for the
// rest (the keys beyond n and those never kept).
func (c *boundedCounter) top(n int) []countEntry {
	all := make([]countEntry, 0, len(c.counts))
	for k, v := range c.counts {
		all = append(all, countEntry{k, v})
	}
	slices.SortFunc(all, func(a, b countEntry) int {
		if a.Count != b.Count {
			if a.Count > b.Count {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Key, b.Key)
	})
	rest := c.other
	if len(all) > n {
		for _, e := range all[n:] {
			rest += e.Count
		}
		all = all[:n]
	}
	if rest > 0 {
		all = append(all, countEntry{logOther, rest})
	}
	return all
}

// panicEntry is one of the last panics.
type panicEntry struct {
	Time      time.Time `json:"time"`
	RequestID string    `json:"request_id"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Panic     string    `json:"panic"`
}

// logSummary accumulates a security log, in bounded memory.
type logSummary struct {
	events, malformed int64
	first, last       time.Time
	byType            *boundedCounter
	byHour            map[time.Time]int64
	earlierHours      int64 // events of hours evicted from byHour
	ips, paths        *boundedCounter
	refused           int64
	panics            []panicEntry // the last logMaxPanics, oldest first
}

func newLogSummary() *logSummary {
	return &logSummary{
		byType: newBoundedCounter(logMaxKeys),
		byHour: map[time.Time]int64{},
		ips:    newBoundedCounter(logMaxKeys),
		paths:  newBoundedCounter(logMaxKeys),
	}
}

// add counts one line; a line that is not an event counts as malformed.
// Blank lines are ignored.
func (s *logSummary) add(line []byte) {
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	e, err := parseLogLine(line)
	if err != nil {
		s.malformed++
		return
	}
	s.events++
	t := e.Time.UTC()
	if s.first.IsZero() || t.Before(s.first) {
		s.first = t
	}
	if t.After(s.last) {
		s.last = t
	}
	s.byType.add(e.Event)
	s.addHour(t.Truncate(time.Hour))
	if e.Status >= 400 {
		s.refused++
		ip := e.IP
		if ip == "" {
			ip = "(none)"
		}
		s.ips.add(ip)
		s.paths.add(e.Path)
	}
	if e.Event == secevent.Panic {
		if len(s.panics) == logMaxPanics {
			s.panics = append(s.panics[:0], s.panics[1:]...)
		}
		s.panics = append(s.panics, panicEntry{t, e.RequestID, e.Method, e.Path, e.panicMessage()})
	}
}

// addHour counts an event of hour h, keeping the latest logMaxHours hours.
func (s *logSummary) addHour(h time.Time) {
	if _, ok := s.byHour[h]; ok || len(s.byHour) < logMaxHours {
		s.byHour[h]++
		return
	}
	oldest := h
	for k := range s.byHour {
		if k.Before(oldest) {
			oldest = k
		}
	}
	if oldest.Equal(h) {
		s.earlierHours++ // older than every hour kept
		return
	}
	s.earlierHours += s.byHour[oldest]
	delete(s.byHour, oldest)
	s.byHour[h]++
}

// hourEntry is one row of the events by hour.
type hourEntry struct {
	Hour  time.Time `json:"hour"`
	Count int64     `json:"count"`
}

func (s *logSummary) hours() []hourEntry {
	out := make([]hourEntry, 0, len(s.byHour))
	for h, n := range s.byHour {
		out = append(out, hourEntry{h, n})
	}
	slices.SortFunc(out, func(a, b hourEntry) int { return a.Hour.Compare(b.Hour) })
	return out
}

// writeText prints the summary for a person.
func (s *logSummary) writeText(w io.Writer, top int) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%d events", s.events)
	if s.malformed > 0 {
		fmt.Fprintf(bw, ", %d malformed lines skipped", s.malformed)
	}
	fmt.Fprintln(bw)
	if s.events == 0 {
		return bw.Flush()
	}
	fmt.Fprintf(bw, "from %s to %s\n", s.first.Format(time.RFC3339), s.last.Format(time.RFC3339))
	section := func(title string, rows []countEntry) {
		fmt.Fprintf(bw, "\n%s\n", title)
		if len(rows) == 0 {
			fmt.Fprintln(bw, "  none")
		}
		for _, r := range rows {
			fmt.Fprintf(bw, "  %8d  %s\n", r.Count, r.Key)
		}
	}
	section("Events by type", s.byType.top(top))
	fmt.Fprintf(bw, "\nEvents by hour (UTC)\n")
	if s.earlierHours > 0 {
		fmt.Fprintf(bw, "  %8d  earlier\n", s.earlierHours)
	}
	for _, h := range s.hours() {
		fmt.Fprintf(bw, "  %8d  %s\n", h.Count, h.Hour.Format("2006-01-02 15:04"))
	}
	section(fmt.Sprintf("Top client addresses refused (%d refusals)", s.refused), s.ips.top(top))
	section("Top paths refused", s.paths.top(top))
	fmt.Fprintf(bw, "\nLast panics\n")
	if len(s.panics) == 0 {
		fmt.Fprintln(bw, "  none")
	}
	for i := len(s.panics) - 1; i >= 0; i-- {
		p := s.panics[i]
		fmt.Fprintf(bw, "  %s  request_id=%s  %s %s  %s\n", p.Time.Format(time.RFC3339), p.RequestID, p.Method, p.Path, p.Panic)
	}
	return bw.Flush()
}

// logSummaryJSON is the document of --json.
type logSummaryJSON struct {
	Events       int64        `json:"events"`
	Malformed    int64        `json:"malformed"`
	First        *time.Time   `json:"first,omitempty"`
	Last         *time.Time   `json:"last,omitempty"`
	ByType       []countEntry `json:"by_type"`
	ByHour       []hourEntry  `json:"by_hour"`
	EarlierHours int64        `json:"earlier_hours,omitempty"`
	Refused      int64        `json:"refused"`
	TopIPs       []countEntry `json:"top_ips"`
	TopPaths     []countEntry `json:"top_paths"`
	Panics       []panicEntry `json:"panics"`
}

// writeJSON prints the summary as one JSON document on one line, the
// panics newest first.
func (s *logSummary) writeJSON(w io.Writer, top int) error {
	doc := logSummaryJSON{
		Events: s.events, Malformed: s.malformed,
		ByType: s.byType.top(top), ByHour: s.hours(), EarlierHours: s.earlierHours,
		Refused: s.refused, TopIPs: s.ips.top(top), TopPaths: s.paths.top(top),
		Panics: make([]panicEntry, 0, len(s.panics)),
	}
	if s.events > 0 {
		doc.First, doc.Last = &s.first, &s.last
	}
	for i := len(s.panics) - 1; i >= 0; i-- {
		doc.Panics = append(doc.Panics, s.panics[i])
	}
	return json.NewEncoder(w).Encode(doc)
}
