package csp

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/harden-go/harden/scan/internal/js"
)

// ErrInvalid is wrapped by every error Parse returns.
var ErrInvalid = errors.New("invalid content security policy")

// minPolicyLength is the length of the shortest policy accepted:
// len("img-src") - 1, as in the Observatory.
const minPolicyLength = len("img-src") - 1

// metaDisallowed are the directives a <meta> policy cannot carry.
var metaDisallowed = []string{"frame-ancestors", "report-uri", "sandbox"}

// duplicatesAllowed may repeat inside one policy.
var duplicatesAllowed = map[string]bool{"report-uri": true, "report-to": true}

// Sources is an ordered set of sources of one directive. Sets are shared by
// pointer, as JavaScript Sets are, which the Observatory's CSP rule depends
// on: removing 'unsafe-inline' from script-src also removes it from
// default-src when script-src falls back to it.
type Sources struct {
	list []string
}

// NewSources returns a set holding the given sources in order.
func NewSources(src ...string) *Sources {
	s := &Sources{}
	for _, v := range src {
		s.Add(v)
	}
	return s
}

// Has reports whether v is in the set.
func (s *Sources) Has(v string) bool {
	for _, x := range s.list {
		if x == v {
			return true
		}
	}
	return false
}

// Add appends v unless it is already present.
func (s *Sources) Add(v string) {
	if !s.Has(v) {
		s.list = append(s.list, v)
	}
}

// Delete removes v.
func (s *Sources) Delete(v string) {
	for i, x := range s.list {
		if x == v {
			s.list = append(s.list[:i], s.list[i+1:]...)
			return
		}
	}
}

// Len is the number of sources.
func (s *Sources) Len() int { return len(s.list) }

// Values returns a copy of the sources in set order.
func (s *Sources) Values() []string { return append([]string(nil), s.list...) }

// Sorted returns the sources in byte order.
func (s *Sources) Sorted() []string {
	v := s.Values()
	sort.Strings(v)
	return v
}

// Policy is a parsed, merged policy.
type Policy struct {
	// Directives maps a lower-case directive name to its sources.
	Directives map[string]*Sources
	// Order lists the directive names in first-seen order.
	Order []string
	// Duplicates names the report-uri/report-to directives that were repeated.
	Duplicates []string
}

// Get returns the sources of a directive, or nil.
func (p *Policy) Get(name string) *Sources {
	if p == nil {
		return nil
	}
	return p.Directives[name]
}

// Size is the number of entries of the Observatory's parsed map: the
// directives plus one for the duplicate-warnings entry when present.
func (p *Policy) Size() int {
	if p == nil {
		return 0
	}
	n := len(p.Directives)
	if len(p.Duplicates) > 0 {
		n++
	}
	return n
}

func (p *Policy) delete(name string) {
	if _, ok := p.Directives[name]; !ok {
		return
	}
	delete(p.Directives, name)
	for i, d := range p.Order {
		if d == name {
			p.Order = append(p.Order[:i], p.Order[i+1:]...)
			break
		}
	}
}

// ParseMeta parses policies delivered in <meta http-equiv> elements and drops
// the directives a <meta> policy may not carry.
func ParseMeta(policies []string) (*Policy, error) {
	p, err := Parse(policies)
	if err != nil {
		return nil, err
	}
	for _, d := range metaDisallowed {
		p.delete(d)
	}
	return p, nil
}

type source struct {
	value string
	index int
	keep  bool
}

// collators are reused: a collate.Collator is not safe for concurrent use.
var collators = sync.Pool{New: func() any { return collate.New(language.English) }}

// Parse parses and merges policies, each the value of one
// Content-Security-Policy header or <meta> element.
func Parse(policies []string) (*Policy, error) {
	clean := make([]string, len(policies))
	for i, s := range policies {
		clean[i] = js.Trim(strings.NewReplacer("\r", "", "\n", "").Replace(s))
	}
	p := &Policy{Directives: map[string]*Sources{}}
	if len(clean) == 0 {
		return p, nil
	}
	for _, s := range clean {
		// JavaScript counts UTF-16 code units; policies are ASCII in practice
		// and the rune count is the same for the basic plane.
		if s == "" || len([]rune(s)) < minPolicyLength {
			return nil, fmt.Errorf("%w: policy too short", ErrInvalid)
		}
	}
	coll := collators.Get().(*collate.Collator)
	defer collators.Put(coll)

	m := merger{p: p, coll: coll, csp: map[string][]*source{}, dupSeen: map[string]bool{}, several: len(policies) > 1}
	for pi, policy := range clean {
		if err := m.policy(pi, policy); err != nil {
			return nil, err
		}
	}
	for _, d := range p.Order {
		list := m.csp[d]
		set := &Sources{}
		for _, s := range list {
			set.Add(s.value)
		}
		if set.Len() == 0 {
			set.Add("'none'")
		}
		p.Directives[d] = set
	}
	return p, nil
}

// merger is the state of Parse while it merges the policies one by one.
type merger struct {
	p       *Policy
	coll    *collate.Collator
	csp     map[string][]*source // the sources kept so far, by directive
	dupSeen map[string]bool      // repeated directives already in p.Duplicates
	several bool                 // more than one policy is merged
}

// policy merges the directives of policy, the pi-th one, into m.
func (m *merger) policy(pi int, policy string) error {
	seen := map[string]bool{}
	for _, entry := range strings.Split(policy, ";") {
		fields := js.Fields(js.Trim(entry))
		if fields[0] == "" {
			continue
		}
		directive := strings.ToLower(fields[0])
		if seen[directive] {
			if !duplicatesAllowed[directive] {
				return fmt.Errorf("%w: duplicate directive %s in policy %d", ErrInvalid, directive, pi)
			}
			if !m.dupSeen[directive] {
				m.dupSeen[directive] = true
				m.p.Duplicates = append(m.p.Duplicates, directive)
			}
		} else {
			seen[directive] = true
		}
		if err := m.directive(pi, directive, fields[1:]); err != nil {
			return err
		}
	}
	return nil
}

// directive merges one directive of the pi-th policy, with the raw
// sources srcs, into what the earlier policies left of it.
func (m *merger) directive(pi int, directive string, srcs []string) error {
	keep := pi == 0
	var values []*source
	for _, raw := range srcs {
		values = append(values, &source{value: strings.ToLower(js.Trim(raw)), index: pi, keep: keep})
	}
	if len(srcs) == 0 && strings.HasSuffix(directive, "-src") {
		values = append(values, &source{value: "'none'", index: pi, keep: keep})
	}
	var combined []*source
	if pi == 0 {
		combined = values
	} else {
		combined = append(append(combined, m.csp[directive]...), values...)
	}
	// Stable, like Array.prototype.sort.
	sort.SliceStable(combined, func(i, j int) bool {
		return m.coll.CompareString(combined[i].value, combined[j].value) < 0
	})
	if err := markKept(combined); err != nil {
		return err
	}
	if _, ok := m.csp[directive]; !ok {
		m.p.Order = append(m.p.Order, directive)
	}
	var kept []*source
	for _, s := range combined {
		if s.keep {
			kept = append(kept, s)
		}
	}
	m.csp[directive] = kept
	if pi == 0 && m.several {
		for _, s := range kept {
			s.keep = false
		}
	}
	return nil
}

// markKept decides, over the sorted sources of one directive, which
// neighbours keep or lose their place in the merged policy.
func markKept(combined []*source) error {
	for i := 1; i < len(combined); i++ {
		cur, prev := combined[i], combined[i-1]
		// From one policy, the longer of two sources sharing a
		// beginning is superfluous.
		if cur.index == prev.index && strings.HasPrefix(cur.value, prev.value) {
			cur.keep = false
		}
		// Across policies, a source counts only if both allow it.
		if cur.index != prev.index {
			match, ok := pathPartMatch(prev.value, cur.value)
			if !ok {
				return fmt.Errorf("%w: malformed percent-encoding", ErrInvalid)
			}
			if match {
				cur.keep = true
			}
		}
	}
	return nil
}

// pathPartMatch reports whether source b is covered by source a, comparing
// path segments after percent-decoding. ok is false when decoding fails,
// which makes the Observatory reject the whole value.
func pathPartMatch(a, b string) (match, ok bool) {
	if a == "" {
		return true, true
	}
	if a == "/" && b == "" {
		return true, true
	}
	exact := !strings.HasSuffix(a, "/")
	pa, pb := strings.Split(a, "/"), strings.Split(b, "/")
	if len(pa) > len(pb) {
		return false, true
	}
	if exact && len(pa) != len(pb) {
		return false, true
	}
	if !exact {
		pa = pa[:len(pa)-1]
	}
	for i := range pa {
		da, okA := js.DecodeURIComponent(pa[i])
		if !okA {
			return false, false
		}
		db, okB := js.DecodeURIComponent(pb[i])
		if !okB {
			return false, false
		}
		if da != db {
			return false, true
		}
	}
	return true, true
}
