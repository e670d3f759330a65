package tutorialcheck

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestCheck runs small inline tutorials through real bash, including ones
// that must fail, and checks what the failure says.
func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		wantErr []string // substrings of the error; nil when the check must pass
	}{
		{
			name: "output matches",
			doc:  md("```console check", "$ printf 'one\\ntwo\\nthree\\n'", "one", "...", "three", "```"),
		},
		{
			name: "stderr is part of the output",
			doc:  md("```console check", "$ echo oops >&2", "oops", "```"),
		},
		{
			name: "expected exit status",
			doc:  md("```console check", "$ echo bye; exit 3", "bye", "[exit 3]", "```"),
		},
		{
			name:    "wrong output fails with a diff",
			doc:     md("", "```console check", "$ echo hello", "goodbye", "```"),
			wantErr: []string{"line 3: $ echo hello", "output differs", "- goodbye", "+ hello"},
		},
		{
			name:    "unexpected exit status fails",
			doc:     md("```console check", "$ exit 2", "```"),
			wantErr: []string{"line 2", "exit status 2, want 0"},
		},
		{
			name:    "cd does not carry over",
			doc:     md("```console check", "$ cd /", "$ pwd", "/", "```"),
			wantErr: []string{"line 3: $ pwd", "- /"},
		},
	}
	r := Runner{Dir: t.TempDir()}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			blocks, err := Extract(tt.doc)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			err = checkAll(r, blocks)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("check failed: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("check passed, want a failure")
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error lacks %q:\n%v", s, err)
				}
			}
		})
	}
}

// checkAll checks every command of blocks and returns the first failure.
func checkAll(r Runner, blocks []Block) error {
	for _, b := range blocks {
		for _, c := range b.Commands {
			if err := r.Check(c); err != nil {
				return err
			}
		}
	}
	return nil
}

func TestExecTimeout(t *testing.T) {
	r := Runner{Dir: t.TempDir(), Timeout: 100 * time.Millisecond}
	// The child sleep shares the output pipe: the group kill must reach it.
	_, _, err := r.Exec("echo started; sleep 30 & wait")
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Exec error = %v, want ErrTimeout", err)
	}
}
