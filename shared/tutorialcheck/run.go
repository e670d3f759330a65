package tutorialcheck

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// DefaultTimeout is how long one command of a checked block may run.
const DefaultTimeout = 30 * time.Second

// Runner runs the commands of checked blocks.
type Runner struct {
	Dir     string        // where commands run: the repository's root
	Timeout time.Duration // per command; DefaultTimeout when zero
}

// Exec runs command with `bash -c` in r.Dir and returns what it printed
// (stdout and stderr interleaved) and its exit status. The command runs in
// its own process group with stdin empty and LC_ALL=C, so sorting and
// messages do not depend on the reader's locale. When the time runs out the
// whole group is killed and the error wraps ErrTimeout.
func (r Runner) Exec(command string) (output string, exit int, err error) {
	timeout := r.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", command)
	cmd.Dir = r.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var out strings.Builder
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// A background child holding the output pipe must not keep Wait waiting.
	cmd.WaitDelay = 2 * time.Second
	err = cmd.Run()
	if ctx.Err() != nil {
		return out.String(), -1, fmt.Errorf("%q after %v: %w", command, timeout, ErrTimeout)
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return out.String(), exitErr.ExitCode(), nil
	}
	if err != nil {
		return out.String(), -1, fmt.Errorf("run %q: %w", command, err)
	}
	return out.String(), 0, nil
}

// Check runs c and returns nil when its output matches c.Want and its exit
// status is c.WantExit. Otherwise the error names the command's line and
// holds a diff of the expected (-) and actual (+) output.
func (r Runner) Check(c Command) error {
	output, exit, err := r.Exec(c.Text)
	if err != nil {
		return fmt.Errorf("line %d: %w\noutput so far:\n%s", c.Line, err, output)
	}
	got := Lines(output)
	matched := Match(c.Want, got)
	if matched && exit == c.WantExit {
		return nil
	}
	var why []string
	if !matched {
		why = append(why, "output differs")
	}
	if exit != c.WantExit {
		why = append(why, fmt.Sprintf("exit status %d, want %d", exit, c.WantExit))
	}
	return fmt.Errorf("line %d: $ %s\n%s (-want +got):\n%s",
		c.Line, c.Text, strings.Join(why, ", "), Diff(c.Want, got))
}
