package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/harden-go/harden/internal/configfile"
)

// A setting is one flag, its environment variable and the key it sets in
// a config file of type T.
type setting[T any] struct {
	flag, env, field, usage string
	apply                   func(f *T, v string) error
}

// An override is a setting's value from the command line or the
// environment, applied on top of the config file.
type override[T any] struct {
	s      setting[T]
	value  string
	source string // "--flag" or "ENV"
}

// settingFlags registers a string flag for each setting on fs, its usage
// naming the variable and the file key. After fs.Parse, the function it
// returns gives the overrides: per setting, its flag's value if the flag
// was given, else its variable's if set (PORT=n standing for
// HARDEN_ADDR=:n).
func settingFlags[T any](fs *flag.FlagSet, settings []setting[T], getenv func(string) string) func() []override[T] {
	values := make([]string, len(settings))
	for i, s := range settings {
		fs.StringVar(&values[i], s.flag, "", s.usage+" ("+s.env+") ["+s.field+"]")
	}
	return func() []override[T] {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		var out []override[T]
		for i, s := range settings {
			switch {
			case set[s.flag]:
				out = append(out, override[T]{s, values[i], "--" + s.flag})
			case getenv(s.env) != "":
				out = append(out, override[T]{s, getenv(s.env), s.env})
			case s.env == "HARDEN_ADDR" && getenv("PORT") != "":
				out = append(out, override[T]{s, ":" + getenv("PORT"), "PORT"})
			}
		}
		return out
	}
}

// loadSettings loads the config file at path, if any, into f, and applies
// the overrides on top: a flag or variable wins over the file, and a key
// the file does not name keeps the value f had.
func loadSettings[T any](path string, f *T, overrides []override[T]) error {
	if path != "" {
		if err := configfile.Load(path, f); err != nil {
			return err
		}
	}
	for _, ov := range overrides {
		if err := ov.s.apply(f, ov.value); err != nil {
			return fmt.Errorf("%s: %w", ov.source, err)
		}
	}
	return nil
}

// printSettings writes v, an effective configuration, as indented JSON in
// the form a config file takes (durations and rates as text). Each
// secret's value is replaced by REDACTED, and the named URLs, which may
// carry a password, are added with it masked.
func printSettings(w io.Writer, v any, secrets []string, urls map[string]string) error {
	m, err := configfile.Plain(v)
	if err != nil {
		return err
	}
	if len(secrets) > 0 {
		redacted := make([]string, len(secrets))
		for i := range redacted {
			redacted[i] = "REDACTED"
		}
		m["secrets"] = redacted
	}
	for k, u := range urls {
		if u != "" {
			m[k] = redactURL(u)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}
