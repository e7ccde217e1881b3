package frameworks_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// docFile is the guide whose Go code blocks are copies of this module's
// code.
const docFile = "../../docs/frameworks.md"

// TestDocMatchesCode: every Go code block of docs/frameworks.md is a
// region of this module's files marked "// doc:NAME" ... "// doc:end"
// (unindented), and every marked region is in the guide: the guide's
// setup code is the tested code.
func TestDocMatchesCode(t *testing.T) {
	doc, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlocks(string(doc))
	if len(blocks) == 0 {
		t.Fatalf("%s has no Go code block", docFile)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	regions := map[string]string{} // name -> code
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for name, code := range markedRegions(t, f, string(src)) {
			if _, dup := regions[name]; dup {
				t.Errorf("%s: region %q marked twice", f, name)
			}
			regions[name] = code
		}
	}
	for _, name := range []string{"stack", "servemux", "chi", "echo", "gin", "failed"} {
		if _, ok := regions[name]; !ok {
			t.Errorf("no region %q is marked", name)
		}
	}
	for name, code := range regions {
		if !slices.Contains(blocks, code) {
			t.Errorf("region %q is not a code block of %s; it reads:\n%s", name, docFile, code)
		}
	}
	for _, b := range blocks {
		found := false
		for _, code := range regions {
			found = found || code == b
		}
		if !found {
			t.Errorf("%s: code block matches no marked region of the module:\n%s", docFile, b)
		}
	}
}

// goBlocks returns the contents of the ```go fenced blocks of markdown.
func goBlocks(markdown string) []string {
	var blocks []string
	var cur []string
	in := false
	for line := range strings.Lines(markdown) {
		line = strings.TrimRight(line, "\n")
		switch {
		case !in && line == "```go":
			in, cur = true, nil
		case in && line == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, "\n"))
		case in:
			cur = append(cur, line)
		}
	}
	return blocks
}

// markedRegions returns the regions of src between "// doc:NAME" and
// "// doc:end", without surrounding blank lines and without the marker's
// indentation.
func markedRegions(t *testing.T, file, src string) map[string]string {
	t.Helper()
	regions := map[string]string{}
	lines := strings.Split(src, "\n")
	for i := 0; i < len(lines); i++ {
		trimmed := strings.TrimSpace(lines[i])
		name, ok := strings.CutPrefix(trimmed, "// doc:")
		if !ok || name == "end" {
			continue
		}
		indent := lines[i][:len(lines[i])-len(strings.TrimLeft(lines[i], "\t"))]
		var body []string
		j := i + 1
		for ; j < len(lines) && strings.TrimSpace(lines[j]) != "// doc:end"; j++ {
			l, cut := strings.CutPrefix(lines[j], indent)
			if !cut && strings.TrimSpace(lines[j]) != "" {
				t.Fatalf("%s:%d: line indented less than its doc marker", file, j+1)
			}
			body = append(body, l)
		}
		if j == len(lines) {
			t.Fatalf("%s:%d: doc:%s has no doc:end", file, i+1, name)
		}
		for len(body) > 0 && strings.TrimSpace(body[0]) == "" {
			body = body[1:]
		}
		for len(body) > 0 && strings.TrimSpace(body[len(body)-1]) == "" {
			body = body[:len(body)-1]
		}
		regions[name] = strings.Join(body, "\n")
		i = j
	}
	return regions
}
