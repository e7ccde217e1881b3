package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// Formats of --log-format.
const (
	logFormatJSON = "json"
	logFormatText = "text"
)

// registerLogFormatFlag adds --log-format to fs, defaulting to the value
// of HARDEN_LOG_FORMAT.
func registerLogFormatFlag(fs *flag.FlagSet, v *string, getenv func(string) string) {
	fs.StringVar(v, "log-format", getenv("HARDEN_LOG_FORMAT"), "format of everything written to stderr: json (one object per line) or text; default text when stderr is a terminal, json otherwise (HARDEN_LOG_FORMAT)")
}

// logStreams returns the operational logger and the writer of the security
// events for stderr, both in one format, so that the stream holds one
// format only: format is "json", "text", or "" for text on a terminal and
// JSON lines otherwise. A security log file is not concerned: it stays
// JSON lines whatever the format.
func logStreams(format string, stderr io.Writer) (*slog.Logger, io.Writer, error) {
	if format == "" {
		format = logFormatJSON
		if isTerminal(stderr) {
			format = logFormatText
		}
	}
	switch format {
	case logFormatJSON:
		return slog.New(slog.NewJSONHandler(stderr, nil)), stderr, nil
	case logFormatText:
		h := slog.NewTextHandler(stderr, nil)
		return slog.New(h), &textEvents{h: h}, nil
	}
	return nil, nil, fmt.Errorf("--log-format must be json or text, not %q", format)
}

// textEvents turns the security log's JSON lines into slog text records
// on the handler the operational records use: time, level, the event as
// the message, then the other fields that are not empty, details as a
// group (details.error=...). The text handler quotes every value that
// needs it, so a client-supplied path or user agent cannot forge a line.
// Each Write must be whole lines, as seclog writes them.
type textEvents struct {
	mu sync.Mutex
	h  slog.Handler
}

func (t *textEvents) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for line := range bytes.SplitSeq(bytes.TrimSuffix(p, []byte("\n")), []byte("\n")) {
		if err := t.h.Handle(context.Background(), eventRecord(line)); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// eventRecord is the slog record of one security event line. A line that
// does not decode is kept whole, as the value of "line".
func eventRecord(line []byte) slog.Record {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	attrs, err := decodeObject(dec)
	if err != nil {
		r := slog.NewRecord(time.Now(), slog.LevelWarn, "security_event", 0)
		r.AddAttrs(slog.String("line", string(line)))
		return r
	}
	var (
		when  time.Time
		level = slog.LevelInfo
		event string
		rest  = make([]slog.Attr, 0, len(attrs))
	)
	for _, a := range attrs {
		switch a.Key {
		case "time":
			if t, err := time.Parse(time.RFC3339Nano, a.Value.String()); err == nil {
				when = t
				continue
			}
		case "level":
			if level.UnmarshalText([]byte(a.Value.String())) == nil {
				continue
			}
		case "event", "msg":
			if event == "" {
				event = a.Value.String()
				continue
			}
		}
		if empty(a.Value) {
			continue
		}
		rest = append(rest, a)
	}
	r := slog.NewRecord(when, level, event, 0)
	r.AddAttrs(rest...)
	return r
}

// empty reports a value not worth printing: "", 0, false or an empty
// group.
func empty(v slog.Value) bool {
	switch v.Kind() {
	case slog.KindBool:
		return !v.Bool()
	case slog.KindString:
		return v.String() == ""
	case slog.KindInt64:
		return v.Int64() == 0
	case slog.KindGroup:
		return len(v.Group()) == 0
	}
	return false
}

// decodeObject reads one JSON object from dec as attributes, in order;
// nested objects become groups.
func decodeObject(dec *json.Decoder) ([]slog.Attr, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	var attrs []slog.Attr
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("not a JSON object")
		}
		v, err := decodeValue(dec)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, slog.Attr{Key: key, Value: v})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	return attrs, nil
}

// decodeValue reads one JSON value from dec.
func decodeValue(dec *json.Decoder) (slog.Value, error) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return slog.Value{}, err
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		inner := json.NewDecoder(bytes.NewReader(raw))
		inner.UseNumber()
		attrs, err := decodeObject(inner)
		if err != nil {
			return slog.Value{}, err
		}
		return slog.GroupValue(attrs...), nil
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return slog.Value{}, err
	}
	switch x := v.(type) {
	case string:
		return slog.StringValue(x), nil
	case bool:
		return slog.BoolValue(x), nil
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return slog.Int64Value(i), nil
		}
		return slog.StringValue(string(x)), nil
	case nil:
		return slog.StringValue(""), nil
	}
	return slog.StringValue(string(raw)), nil // an array, as JSON
}
