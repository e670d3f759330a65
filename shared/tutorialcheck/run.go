package tutorialcheck

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
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
	// Env holds KEY=VALUE entries added to every command's environment,
	// such as TMPDIR, so that what a block's mktemp makes is the caller's
	// to remove. A block's Set commands add their variables for the rest
	// of the block.
	Env []string
}

// Exec runs command with `bash -c` in r.Dir and returns what it printed
// (stdout and stderr interleaved) and its exit status. The command runs in
// its own process group with stdin empty, LC_ALL=C (so sorting and messages
// do not depend on the reader's locale) and r.Env. When the time runs out the
// whole group is killed and the error wraps ErrTimeout.
func (r Runner) Exec(command string) (output string, exit int, err error) {
	timeout := r.timeout()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", command)
	cmd.Dir = r.Dir
	cmd.Env = append(append(os.Environ(), "LC_ALL=C"), r.Env...)
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

// Check runs c, an ordinary command (Kind Run), and returns nil when its
// output matches c.Want and its exit status is c.WantExit. Otherwise the
// error names the command's line and holds a diff of the expected (-) and
// actual (+) output. A block's other kinds of command need CheckBlock.
func (r Runner) Check(c Command) error {
	if c.Kind != Run {
		return fmt.Errorf("line %d: $ %s: a server's command or a variable: check its whole block", c.Line, c.Text)
	}
	_, err := r.check(c)
	return err
}

// check is Check for a Run or Set command; set is the variable a Set
// command set, as NAME=VALUE.
func (r Runner) check(c Command) (set string, err error) {
	output, exit, set, err := r.exec(c, c.Text)
	if err != nil {
		return "", fmt.Errorf("line %d: %w\noutput so far:\n%s", c.Line, err, output)
	}
	got := Lines(output)
	matched := Match(c.Want, got)
	if matched && exit == c.WantExit {
		return set, nil
	}
	return "", mismatch(c, got, matched, exit, "")
}

// exec runs text, c's command as it is to run, with Exec; for a Set
// command it also returns the variable it set, as NAME=VALUE, once it has
// succeeded. The value is printed after a NUL, which no text shows.
func (r Runner) exec(c Command, text string) (output string, exit int, set string, err error) {
	if c.Kind != Set {
		output, exit, err = r.Exec(text)
		return output, exit, "", err
	}
	output, exit, err = r.Exec("{ " + text + "\n} && printf '\\0%s' \"$" + c.Var + "\"")
	i := strings.LastIndexByte(output, 0)
	if err != nil || exit != 0 || i < 0 {
		return output, exit, "", err
	}
	return output[:i], exit, c.Var + "=" + output[i+1:], nil
}

// mismatch is the error for a command whose output or exit status is not
// what the block says; note is added to the reasons.
func mismatch(c Command, got []string, matched bool, exit int, note string) error {
	var why []string
	if !matched {
		why = append(why, "output differs")
	}
	if exit != c.WantExit {
		why = append(why, fmt.Sprintf("exit status %d, want %d", exit, c.WantExit))
	}
	return fmt.Errorf("line %d: $ %s\n%s%s (-want +got):\n%s",
		c.Line, c.Text, strings.Join(why, ", "), note, Diff(c.Want, got))
}

// CheckBlock checks b's commands in order and returns the first failure.
//
// A block without a server is its commands, each checked by Check. In a
// block that starts one ("CMD &"), the checker also:
//
//   - gives each tutorial port (":8000" to ":8009") in the block's commands
//     a free port, and shows output with the tutorial's ports again;
//   - starts the server as a shell's background job, waits for its
//     "Listening at: " line and for the start-up lines under the command
//     (at least those up to that line);
//   - replaces "$!" in later commands with the server's pid;
//   - after each later command, reads the server's lines that the block
//     shows after the command's own output, waiting for them to appear;
//   - at the block's last "kill … $!" or "wait $!", waits for the server to
//     exit, matches the rest of its output, checks its exit status (0, or
//     what "wait $!" shows) and that it left no process running.
//
// A command that sets a variable (Kind Set) sets it for the block's later
// commands, the server's included, as their environment.
//
// A server still running when the block fails is killed, with its process
// group; so is what the block started that detaches itself (nginx, a
// daemon), by the later commands of the block that kill it by pid (see
// stopDetached).
func (r Runner) CheckBlock(b Block) (err error) {
	// Set commands append to r.Env, a copy: never to the caller's array.
	r.Env = slices.Clip(r.Env)
	stop := -1 // the last Kill or Wait: where the server stops
	for i, c := range b.Commands {
		if c.Kind == Kill || c.Kind == Wait {
			stop = i
		}
	}
	if stop < 0 {
		for i, c := range b.Commands {
			set, err := r.check(c)
			if err != nil {
				r.stopDetached(b.Commands[i+1:])
				return err
			}
			if set != "" {
				r.Env = append(r.Env, set)
			}
		}
		return nil
	}
	ports, err := freePorts(b)
	if err != nil {
		return fmt.Errorf("block at line %d: %w", b.Line, err)
	}
	var srv *server
	defer func() {
		if srv != nil && srv.running {
			srv.kill()
		}
	}()
	for i, c := range b.Commands {
		set, err := r.checkWithServer(c, &srv, ports, i == stop)
		if err != nil {
			r.stopDetached(b.Commands[i+1:])
			return fmt.Errorf("%w%s", err, ports.describe())
		}
		if set != "" {
			r.Env = append(r.Env, set)
		}
	}
	return nil
}

// stopDetached runs, after a block failed, the commands it had left that
// kill a process by pid (`kill -QUIT "$(cat bin/nginx/nginx.pid)"`),
// ignoring what they print: a process that detached itself is no child of
// the runner, and only the block knows how to stop it. Those that kill the
// block's server ($!) are left to the server's own kill.
func (r Runner) stopDetached(rest []Command) {
	for _, c := range rest {
		if strings.HasPrefix(c.Text, "kill ") && !strings.Contains(c.Text, "$!") {
			_, _, _ = r.Exec(c.Text) // best effort: the block has failed already
		}
	}
}

// checkWithServer checks one command of a block that starts a server; *srv
// is the server, nil until the Serve command starts it. last is set for the
// block's last Kill or Wait. set is the variable a Set command set, as
// NAME=VALUE.
func (r Runner) checkWithServer(c Command, srv **server, ports ports, last bool) (set string, err error) {
	timeout := r.timeout()
	s := *srv
	if c.Kind == Serve {
		if s, err = startServer(c.Text, r.Dir, r.Env, ports, timeout); err != nil {
			return "", fmt.Errorf("line %d: $ %s\n%w", c.Line, c.Text, err)
		}
		*srv = s
		if err := s.waitListening(timeout); err != nil {
			return "", fmt.Errorf("line %d: $ %s\n%w", c.Line, c.Text, err)
		}
		// The start-up lines are at least those up to "Listening at:", so
		// that a "..." in their place stands for them all.
		if got, ok := s.await(nil, c.Want, s.startLines(), timeout); !ok {
			return "", mismatch(c, got, false, 0, " in the server's start-up lines")
		}
		return "", nil
	}

	text := ports.forward(c.Text)
	if s != nil {
		text = strings.ReplaceAll(text, "$!", strconv.Itoa(s.pid))
	}
	var head []string // the command's own output
	exit := 0
	if c.Kind != Wait {
		output, code, value, err := r.exec(c, text)
		output = ports.backward(output)
		if err != nil {
			return "", fmt.Errorf("line %d: %w\noutput so far:\n%s", c.Line, err, output)
		}
		head, exit, set = Lines(output), code, value
	}
	switch {
	case s == nil || !s.running:
		// Before the server starts, or after it stopped: only its own output.
		matched := Match(c.Want, head)
		if !matched || exit != c.WantExit {
			return "", mismatch(c, head, matched, exit, "")
		}
		return set, nil
	case c.Kind != Wait && !last:
		// While the server runs: the command's lines, then any of the server's.
		got, ok := s.await(head, c.Want, 0, timeout)
		if !ok || exit != c.WantExit {
			return "", mismatch(c, got, ok, exit, " (the command's own lines, then the server's)")
		}
		return set, nil
	}

	// Where the server stops: the rest of its output, its status, its leftovers.
	stopErr := s.stop(timeout)
	s.running = false
	if c.Kind == Wait {
		exit = s.status
	}
	rest := s.lines(true)
	got := append(head, rest...)
	_, matched := s.match(head, c.Want, rest, len(rest), len(rest))
	switch {
	case stopErr != nil:
		return "", fmt.Errorf("line %d: $ %s\n%w\noutput (-want +got):\n%s", c.Line, c.Text, stopErr, Diff(c.Want, got))
	case !matched || exit != c.WantExit:
		return "", mismatch(c, got, matched, exit, " (the command's own lines, then the rest of the server's)")
	case c.Kind == Kill && s.status != 0:
		return "", fmt.Errorf("line %d: $ %s\nthe server exited with status %d: show it with \"wait $!\" and [exit %d]",
			c.Line, c.Text, s.status, s.status)
	}
	return "", nil
}

// timeout is r.Timeout, or DefaultTimeout when that is zero.
func (r Runner) timeout() time.Duration {
	if r.Timeout == 0 {
		return DefaultTimeout
	}
	return r.Timeout
}
