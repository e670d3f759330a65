package tutorialcheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gunicorn-go/shared/testkit"
)

// measured finds a measured figure quoted in prose: "58,392 calls/s",
// "about 50,000 requests a second", "17126 ns/op", "16k calls/s", "3.1×".
var measured = regexp.MustCompile(`\b\d[\d,.]*\s*k?\s*(calls|req|requests)(/s\b| a second| per second)|\b\d+\s*ns/op\b|\b\d+(\.\d+)?×`)

// TestFiguresComeFromResults keeps measured figures in one place. They
// change with every optimisation and every machine, and a figure copied
// into a README or a comment goes stale while the benchmark moves on: the
// tutorial once quoted 58,392 calls/s where a README said "about 50,000".
// So `make bench` writes them to bench/RESULTS.md, and everything else
// (TUTORIAL.md, the READMEs, the stages' Go comments) says "see
// bench/RESULTS.md" instead of quoting them. bench/ itself, which makes the
// figures and states the goals, is left out.
func TestFiguresComeFromResults(t *testing.T) {
	root := testkit.RepoRoot(t)
	var bad []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path) // path is under root
		if d.IsDir() {
			if rel == "bench" || rel == "bin" || (strings.HasPrefix(d.Name(), ".") && rel != ".") {
				return filepath.SkipDir
			}
			return nil
		}
		isGo := strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go")
		if !isGo && !strings.HasSuffix(path, ".md") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		quoting := false // inside README.md's block that make bench copies from RESULTS.md
		for i, line := range strings.Split(string(data), "\n") {
			switch {
			case strings.HasPrefix(line, "<!-- begin: the goals table of bench/RESULTS.md"):
				quoting = true
			case strings.HasPrefix(line, "<!-- end: the goals table of bench/RESULTS.md"):
				quoting = false
			}
			if quoting {
				continue // bench's TestReadmeQuotesResults checks it against RESULTS.md
			}
			if m := measured.FindString(line); m != "" {
				bad = append(bad, rel+":"+strconv.Itoa(i+1)+": "+m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("measured figures quoted outside bench/RESULTS.md: point to it instead:\n%s", strings.Join(bad, "\n"))
	}
}
