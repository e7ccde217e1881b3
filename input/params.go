package input

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParamPolicy says which values of a repeated query or form parameter a
// handler sees.
type ParamPolicy string

const (
	// ParamLast keeps the last value (the default, as hpp does).
	ParamLast ParamPolicy = "last"
	// ParamFirst keeps the first value.
	ParamFirst ParamPolicy = "first"
	// ParamReject answers 400 when the parameter appears more than once.
	ParamReject ParamPolicy = "reject"
	// ParamAll keeps every value, in order: for parameters that are lists.
	ParamAll ParamPolicy = "all"
)

func (p ParamPolicy) check() error {
	switch p {
	case "", ParamLast, ParamFirst, ParamReject, ParamAll:
		return nil
	}
	return fmt.Errorf("input: unknown parameter policy %q", string(p))
}

// defaultMaxParams bounds the number of parameters in one query string or
// form body, as qs's parameterLimit.
const defaultMaxParams = 1000

// ParamsConfig configures [Params].
type ParamsConfig struct {
	// Default is the policy of every parameter not named in Params.
	// Default: ParamLast.
	Default ParamPolicy `json:"default,omitempty" yaml:"default,omitempty"`
	// Params sets the policy of single parameters by their decoded name,
	// for example {"tag": "all", "id": "reject"}; "tag" also names
	// "tag[]" and "tag[0]".
	Params map[string]ParamPolicy `json:"params,omitempty" yaml:"params,omitempty"`
	// Keys says what happens to a parameter whose name the key guard
	// refuses (a name that begins with "$", contains ".", or has such a
	// bracketed segment, as "user[$ne]"; see [CheckKey]): refused with 400
	// (KeysRefuse, the default) or dropped (KeysStrip).
	Keys KeyPolicy `json:"keys,omitempty" yaml:"keys,omitempty"`
	// DangerouslyAllowOperatorKeys turns the key guard off.
	DangerouslyAllowOperatorKeys bool `json:"dangerously_allow_operator_keys,omitempty" yaml:"dangerously_allow_operator_keys,omitempty"`
	// MaxParams bounds the number of parameters of one query string or form
	// body; more is a 400. Default 1000.
	MaxParams int `json:"max_params,omitempty" yaml:"max_params,omitempty"`
	// MaxBytes caps the urlencoded bodies that Handler reads. Default 10 KiB.
	MaxBytes int64 `json:"max_bytes,omitempty" yaml:"max_bytes,omitempty"`
}

// errTooManyParams refuses a query string or form body with more than
// MaxParams parameters.
var errTooManyParams = newError(http.StatusBadRequest, eventValidationFailed, "Too many parameters")

// Messages of the parameter layer.
const msgRepeated = "must not be repeated"

// Params resolves HTTP parameter pollution: a query or urlencoded form
// parameter sent more than once ("?id=1&id=2") reaches handlers as one value
// (the last, by default) instead of a slice a handler did not expect, or is
// refused; parameters named in the config may keep every value. A name in
// array syntax ("id[]", "id[0]") is the parameter "id", as qs (Express),
// PHP and Rack read it: "?id=1&id[]=2" and "?id[]=2" both reach handlers
// as "id=2" unless "id" keeps every value.
//
// Handler rewrites the request before the next handler runs: r.URL.RawQuery
// keeps only the chosen pairs, byte for byte as sent, so URL.Query() and
// ParseForm see one value; an application/x-www-form-urlencoded body of a
// POST, PUT or PATCH is read (at most MaxBytes: 413), resolved the same way,
// and put back as the body, with r.PostForm and r.Form already filled.
// r.Form merges body and query as net/http does, except that a parameter
// present in both keeps only the body's value (the one r.FormValue returns)
// unless its policy is ParamAll. r.RequestURI is left as received.
//
// A malformed query string or body (a bad %-escape, a ";" separator, which
// net/http drops silently) is refused with 400, so that the handler and
// any proxy in front of it cannot disagree about the parameters.
// Multipart bodies are not touched (see [Upload]).
type Params struct {
	def       ParamPolicy
	policies  map[string]ParamPolicy
	guard     bool
	strip     bool
	maxParams int
	maxBytes  int64
}

// NewParams returns a Params for cfg, or an error naming what is wrong.
func NewParams(cfg ParamsConfig) (*Params, error) {
	p := &Params{def: cfg.Default, policies: map[string]ParamPolicy{}, guard: !cfg.DangerouslyAllowOperatorKeys,
		strip: cfg.Keys == KeysStrip, maxParams: cfg.MaxParams, maxBytes: cfg.MaxBytes}
	if err := p.def.check(); err != nil {
		return nil, err
	}
	if p.def == "" {
		p.def = ParamLast
	}
	if err := cfg.Keys.check(); err != nil {
		return nil, err
	}
	for name, pol := range cfg.Params {
		if err := pol.check(); err != nil {
			return nil, fmt.Errorf("%w (parameter %q)", err, name)
		}
		if pol == "" {
			pol = p.def
		}
		p.policies[name] = pol
	}
	if p.maxParams < 0 || p.maxBytes < 0 {
		return nil, fmt.Errorf("input: ParamsConfig.MaxParams and MaxBytes must not be negative")
	}
	if p.maxParams == 0 {
		p.maxParams = defaultMaxParams
	}
	if p.maxBytes == 0 {
		p.maxBytes = defaultMaxBytes
	}
	return p, nil
}

func (p *Params) policy(name string) ParamPolicy {
	if pol, ok := p.policies[name]; ok {
		return pol
	}
	return p.def
}

// pair is one name=value of a query string: its decoded name, the
// parameter it belongs to (key: the name, or its base in array syntax),
// and where its raw text lies.
type pair struct {
	name, key  string
	array      bool // the name is in array syntax: key[] or key[N]
	start, end int
	drop       bool
	scalar     bool // sent on as key=value
}

// arrayBase returns the parameter that a name in array syntax ("tag[]",
// "tag[3]") belongs to, as qs (Express), PHP and Rack read it, and
// whether the name is in that syntax. "a[b]" and "a[0][b]" are objects,
// not arrays: their names are their own.
func arrayBase(name string) (string, bool) {
	i := strings.IndexByte(name, '[')
	if i <= 0 || name[len(name)-1] != ']' {
		return name, false
	}
	for _, c := range []byte(name[i+1 : len(name)-1]) {
		if c < '0' || c > '9' {
			return name, false
		}
	}
	return name[:i], true
}

// parsePairs splits a raw query string as url.ParseQuery does and decodes
// the names; it fails where url.ParseQuery fails, and on more than max
// pairs.
func parsePairs(raw string, max int, buf []pair) ([]pair, error) {
	pairs := buf[:0]
	for i := 0; i < len(raw); {
		j := strings.IndexByte(raw[i:], '&')
		if j < 0 {
			j = len(raw)
		} else {
			j += i
		}
		piece := raw[i:j]
		start := i
		i = j + 1
		if piece == "" {
			continue
		}
		if strings.IndexByte(piece, ';') >= 0 {
			return nil, errMalformedQuery
		}
		name, value, _ := strings.Cut(piece, "=")
		if strings.ContainsAny(name, "%+") {
			n, err := url.QueryUnescape(name)
			if err != nil {
				return nil, errMalformedQuery
			}
			name = n
		}
		if strings.IndexByte(value, '%') >= 0 {
			if _, err := url.QueryUnescape(value); err != nil {
				return nil, errMalformedQuery
			}
		}
		if len(pairs) == max {
			return nil, errTooManyParams
		}
		key, array := arrayBase(name)
		pairs = append(pairs, pair{name: name, key: key, array: array, start: start, end: j})
	}
	return pairs, nil
}

// resolve applies the policies to the raw query string or form body raw
// and returns the raw text to keep: raw itself when nothing was dropped,
// else the kept pairs as sent, joined by "&". location ("query" or "body")
// names the place in a refusal. Errors are [*Error] values.
func (p *Params) resolve(raw, location string) (string, error) {
	if raw == "" {
		return raw, nil
	}
	var buf [16]pair
	pairs, err := parsePairs(raw, p.maxParams, buf[:])
	if err != nil {
		return "", err
	}
	dropped := false
	var index map[string][]int // name → pair indices, for long lists
	if len(pairs) > 32 {
		index = make(map[string][]int, len(pairs))
		for i := range pairs {
			index[pairs[i].key] = append(index[pairs[i].key], i)
		}
	}
	var sameBuf [16]int
	for i := range pairs {
		same, first := pairsNamedLike(pairs, i, index, sameBuf[:0])
		if !first {
			continue
		}
		name := pairs[i].name
		if p.guard {
			if msg := checkParamKey(name); msg != "" {
				if !p.strip {
					return "", fieldError(location, paramPath(name), msg)
				}
				for _, j := range same {
					pairs[j].drop = true
				}
				dropped = true
				continue
			}
		}
		if len(same) == 1 && !pairs[i].array {
			continue
		}
		d, err := p.resolveRepeated(pairs, pairs[i].key, same, location)
		if err != nil {
			return "", err
		}
		if d {
			dropped = true
		}
	}
	if !dropped {
		return raw, nil
	}
	return joinKept(raw, pairs), nil
}

// pairsNamedLike reports whether pairs[i] is the first pair of its name
// and, if it is, returns the indices of every pair of that name. index,
// when not nil, maps each name to its pair indices; else the pairs are
// searched and the indices appended to buf.
func pairsNamedLike(pairs []pair, i int, index map[string][]int, buf []int) (same []int, first bool) {
	name := pairs[i].key
	if index != nil {
		same = index[name]
		return same, same[0] == i
	}
	for j := 0; j < i; j++ {
		if pairs[j].key == name {
			return nil, false
		}
	}
	for j := i; j < len(pairs); j++ {
		if pairs[j].key == name {
			buf = append(buf, j)
		}
	}
	return buf, true
}

// resolveRepeated applies the policy of name to its pairs, at the indices
// same (two or more, or one in array syntax), and marks those to drop. The
// pair kept is sent on as name=value: "q=a&q[]=b" and "q[]=b" would reach
// a qs, PHP or Rack handler as an array where it expects a string (a
// TypeError, or a query operator on an array). It reports whether it
// changed any.
func (p *Params) resolveRepeated(pairs []pair, name string, same []int, location string) (bool, error) {
	kept := same[len(same)-1]
	switch p.policy(name) {
	case ParamReject:
		if len(same) > 1 {
			return false, fieldError(location, paramPath(name), msgRepeated)
		}
	case ParamAll:
		return false, nil
	case ParamFirst:
		kept = same[0]
	}
	for _, j := range same {
		pairs[j].drop = j != kept
	}
	pairs[kept].scalar = pairs[kept].array
	return true, nil
}

// joinKept returns the pairs of raw not marked to drop, as sent, joined
// by "&".
func joinKept(raw string, pairs []pair) string {
	var b strings.Builder
	b.Grow(len(raw))
	for _, pr := range pairs {
		if pr.drop {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		text := raw[pr.start:pr.end]
		if pr.scalar {
			// The value as sent, under the array's own name.
			_, value, hasValue := strings.Cut(text, "=")
			b.WriteString(url.QueryEscape(pr.key))
			if hasValue {
				b.WriteByte('=')
				b.WriteString(value)
			}
			continue
		}
		b.WriteString(text)
	}
	return b.String()
}

// paramPath renders a query or form parameter name as the path of a field
// error, which goes into the answer and the security log. A name that no
// form or link would use (longer than maxNameLen, or holding a character
// other than letters, digits and "_-$.[]") is withheld as withheldName: it
// is most likely a value in a name's place. A JSON document posted as
// application/x-www-form-urlencoded (curl -d's default) is one name, the
// whole body, password included, and it contains "." (an email address):
// naming it would write the password into the log.
func paramPath(name string) string {
	if !nameLike(name) {
		return withheldName
	}
	var p path
	p.pushKey(name)
	return p.String()
}

// maxNameLen is the longest parameter name an error shows.
const maxNameLen = 100

// withheldName is the path of a field error about a parameter name that
// is not shown.
const withheldName = "(name withheld)"

// nameLike reports whether name can be a parameter name (see paramPath):
// letters, digits (U+FFFD standing for bytes that are not UTF-8, as
// Decoder names them) and "_-$.[]".
func nameLike(name string) bool {
	if len(name) > maxNameLen {
		return false
	}
	for _, c := range name {
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) && c != utf8.RuneError && !strings.ContainsRune("_-$.[]", c) {
			return false
		}
	}
	return true
}

// Handler resolves the query string and the urlencoded body of every
// request before next runs (see [Params]).
func (p *Params) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r2, err := p.apply(w, r)
		if err != nil {
			Reject(w, r, err)
			return
		}
		next.ServeHTTP(w, r2)
	})
}

func (p *Params) apply(w http.ResponseWriter, r *http.Request) (*http.Request, error) {
	isForm := hasBody(r) && (r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch) &&
		mediaType(r.Header.Get("Content-Type")) == "application/x-www-form-urlencoded"
	if r.URL.RawQuery == "" && !isForm {
		return r, nil
	}
	q, err := p.resolve(r.URL.RawQuery, locationQuery)
	if err != nil {
		return nil, err
	}
	if q == r.URL.RawQuery && !isForm {
		return r, nil
	}
	r2 := new(http.Request)
	*r2 = *r
	if q != r.URL.RawQuery {
		u := *r.URL
		u.RawQuery = q
		r2.URL = &u
	}
	if !isForm {
		return r2, nil
	}
	buf, err := readBody(w, r, p.maxBytes)
	if err != nil {
		return nil, err
	}
	raw := buf.String()
	putBuffer(buf)
	body, err := p.resolve(raw, locationBody)
	if err == errMalformedQuery {
		err = errMalformedForm
	}
	if err != nil {
		return nil, err
	}
	post, err := url.ParseQuery(body)
	if err != nil {
		return nil, errMalformedForm
	}
	query, err := url.ParseQuery(q)
	if err != nil {
		return nil, errMalformedQuery
	}
	form := make(url.Values, len(post)+len(query))
	for k, vs := range post {
		form[k] = vs
	}
	for k, vs := range query {
		if _, both := form[k]; both && p.policy(k) != ParamAll {
			continue
		}
		form[k] = append(form[k], vs...)
	}
	r2.Body = io.NopCloser(strings.NewReader(body))
	r2.ContentLength = int64(len(body))
	r2.PostForm = post
	r2.Form = form
	return r2, nil
}
