package harden

import (
	"os"
	"regexp"
	"testing"
)

// readmeExamples are the programs the README shows in full; each must be
// copied verbatim from the compiled and tested program, so that the README
// cannot drift from code that works.
var readmeExamples = []string{"examples/quickstart/main.go", "examples/appstack/main.go"}

// TestREADMEExamples: every Go block of the README introduced by an
// "<!-- example: PATH -->" marker is identical to the file at PATH, and
// each program of readmeExamples is shown.
func TestREADMEExamples(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)<!-- example: ([^ ]+) -->\n```go\n(.*?)```\n").FindAllSubmatch(readme, -1)
	shown := map[string]bool{}
	for _, b := range blocks {
		path, block := string(b[1]), string(b[2])
		shown[path] = true
		want, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("README shows %s: %v", path, err)
			continue
		}
		if block != string(want) {
			t.Errorf("README's block for %s differs from the file; copy the file into the README:\n--- README\n%s\n--- %s\n%s", path, block, path, want)
		}
	}
	for _, path := range readmeExamples {
		if !shown[path] {
			t.Errorf("README does not show %s under an <!-- example: %s --> marker", path, path)
		}
	}
}
