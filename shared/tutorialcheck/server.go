package tutorialcheck

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gunicorn-go/shared/proc"
)

// Sentinel errors of a block's server.
var (
	// ErrNotListening: the server exited, or its time ran out, before it
	// logged "Listening at: ".
	ErrNotListening = errors.New("tutorialcheck: the server did not log " + strconv.Quote(listeningAt))
	// ErrFixedPort: the server listens on a TCP port the checker did not
	// choose: a fixed one, which could be taken on another machine.
	ErrFixedPort = errors.New("tutorialcheck: the server listens on a port the checker did not choose")
	// ErrLeftBehind: processes of the server's were still running after it exited.
	ErrLeftBehind = errors.New("tutorialcheck: the server left processes running")
)

// listeningAt starts the log line gunicorn, and every stage from 2 on,
// writes once its socket is bound: "Listening at: http://127.0.0.1:8000 (5102)".
const listeningAt = "Listening at: "

// pollEvery is how often the server's output is looked at while waiting.
const pollEvery = 10 * time.Millisecond

// leftGrace is how long the processes of a server that exited have to exit too.
const leftGrace = 3 * time.Second

// A server is the process a block's "CMD &" started, as a shell would: a
// background job in a process group of its own, whose pid is "$!".
//
// It runs under a small bash script (see start) that does what an
// interactive shell does with "CMD &" and then waits for the job, so the
// script's exit is the job's, with the job's exit status. Job control is on
// (set -m) so that, as in a terminal, the job does not ignore INT and QUIT
// and has its own process group; without it bash would start the job with
// those signals ignored, and "kill -INT $!" would not do what the tutorial
// says.
type server struct {
	script *exec.Cmd
	out    proc.Buffer // stdout and stderr of the job, in the order written
	pid    int         // "$!", the job's pid and process group
	ports  ports
	done   chan struct{} // closed when the script has exited
	status int           // the job's exit status, once done

	running bool // until the block's stop: later commands are checked with it

	consumed int  // lines of out already matched by a command's expected output
	open     bool // the lines matched last ended with "...", which goes on
}

// startServer runs the Serve command text (ending in "&") from dir, with env
// added to its environment, and waits until the job's pid is known.
func startServer(text, dir string, env []string, ports ports, timeout time.Duration) (*server, error) {
	tmp, err := os.MkdirTemp("", "tutorialcheck-")
	if err != nil {
		return nil, fmt.Errorf("start the server: %w", err)
	}
	defer os.RemoveAll(tmp)
	pidFile := filepath.Join(tmp, "pid")
	// The job inherits the script's stdout and stderr, which the checker
	// reads. After starting it, the script sends its own elsewhere, so that
	// bash's job messages ("[1]+ Done") do not mix with the server's log.
	script := "pidfile=$TUTORIALCHECK_PIDFILE; unset TUTORIALCHECK_PIDFILE\n" +
		"set -m\n" +
		ports.forward(text) + "\n" +
		"echo $! >\"$pidfile.tmp\" && mv \"$pidfile.tmp\" \"$pidfile\"\n" +
		"exec >/dev/null 2>&1\n" +
		"wait $!\n"
	s := &server{ports: ports, done: make(chan struct{}), status: -1, running: true}
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "LC_ALL=C", "TUTORIALCHECK_PIDFILE="+pidFile), env...)
	cmd.Stdout = &s.out
	cmd.Stderr = &s.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A child of the server's that outlives it keeps the output pipe open;
	// Wait must not wait for it long. stop reports it.
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the server: %w", err)
	}
	s.script = cmd
	go func() {
		_ = cmd.Wait() // the exit status is read from ProcessState
		s.status = shellStatus(cmd.ProcessState)
		close(s.done)
	}()
	deadline := time.Now().Add(timeout)
	for s.pid == 0 {
		if b, err := os.ReadFile(pidFile); err == nil {
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				s.kill()
				return nil, fmt.Errorf("the server's pid file holds %q: %w", b, err)
			}
			s.pid = pid
			break
		}
		if s.exited() || time.Now().After(deadline) {
			s.kill()
			return nil, fmt.Errorf("the server's shell ended without starting it:\n%s", s.out.String())
		}
		time.Sleep(pollEvery)
	}
	return s, nil
}

// shellStatus is a process's exit status as bash reports it: 128+N when
// signal N killed it.
func shellStatus(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// exited reports whether the server's script, and so the job, has exited.
func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// lines returns the server's output lines not yet consumed, with the
// checker's ports shown as the tutorial's. Unless all is set, a last line
// not yet ended by a newline is left out: it may still grow.
func (s *server) lines(all bool) []string {
	out := s.ports.backward(s.out.String())
	if !all {
		out = out[:strings.LastIndexByte(out, '\n')+1]
	}
	lines := strings.Split(out, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines[min(s.consumed, len(lines)):]
}

// waitListening waits until the server has logged "Listening at: " and
// checks that every TCP address it logged listening at uses a port the
// checker gave it.
func (s *server) waitListening(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for !strings.Contains(s.out.String(), listeningAt) {
		if s.exited() {
			return fmt.Errorf("%w: it exited with status %d:\n%s", ErrNotListening, s.status, s.out.String())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w after %v:\n%s", ErrNotListening, timeout, s.out.String())
		}
		time.Sleep(pollEvery)
	}
	for _, line := range strings.Split(s.out.String(), "\n") {
		_, addr, ok := strings.Cut(line, listeningAt)
		if !ok {
			continue
		}
		addr, _, _ = strings.Cut(addr, " ")
		hostPort := strings.TrimPrefix(strings.TrimPrefix(addr, "http://"), "https://")
		_, port, err := net.SplitHostPort(hostPort)
		if err != nil || strings.HasPrefix(addr, "unix:") {
			continue // a unix socket, or not an address: nothing to clash
		}
		if !s.ports.given(port) {
			return fmt.Errorf("%w: %s. Name its address in the block with port 8000 (to 8009), "+
				"as in -b 127.0.0.1:8000: the checker replaces it with a free port", ErrFixedPort, addr)
		}
	}
	return nil
}

// await waits until the command's own output, head, followed by the first
// of the server's unconsumed lines matches want, and consumes those lines:
// the fewest that make a match, and at least least of them. When the last
// server lines matched ended with a "..." (s.open), that "..." also stands
// for any first lines of these. await gives up, returning what it saw, when
// no more output could make them match, when the server has exited and they
// do not, or when the time runs out.
func (s *server) await(head, want []string, least int, timeout time.Duration) (got []string, ok bool) {
	deadline := time.Now().Add(timeout)
	for {
		exited := s.exited()
		lines := s.lines(exited)
		if end, ok := s.match(head, want, lines, least, len(lines)); ok {
			return append(append([]string(nil), head...), lines[:end]...), true
		}
		got = append(append([]string(nil), head...), lines...)
		if exited || !s.viable(head, want, lines) || time.Now().After(deadline) {
			return got, false
		}
		time.Sleep(pollEvery)
	}
}

// match looks for the smallest end, from least to most, such that head and
// lines[x:end] match want, where x is 0 unless s.open lets the earlier
// "..." take lines[:x]. On a match it consumes lines[:end], updates s.open
// and returns end.
func (s *server) match(head, want, lines []string, least, most int) (end int, ok bool) {
	for end = least; end <= most; end++ {
		for x := end; x >= 0; x-- {
			if x > 0 && !s.open {
				continue
			}
			if Match(want, append(append([]string(nil), head...), lines[x:end]...)) {
				s.consumed += end
				// A "..." ending want stays open for the lines that follow.
				endsOpen := len(want) > 0 && want[len(want)-1] == Ellipsis
				s.open = endsOpen || (s.open && x == end)
				return end, true
			}
		}
	}
	return 0, false
}

// viable reports whether more server lines could still make head and lines
// match want: whether some first lines of want match all of them (after
// the lines an open "..." may take).
func (s *server) viable(head, want, lines []string) bool {
	for x := 0; x <= len(lines); x++ {
		if x > 0 && !s.open {
			break
		}
		got := append(append([]string(nil), head...), lines[x:]...)
		for i := 0; i <= len(want); i++ {
			if Match(want[:i], got) {
				return true
			}
		}
	}
	return false
}

// startLines is how many of the server's first lines are surely start-up
// lines: up to the first "Listening at: " line, included.
func (s *server) startLines() int {
	for i, l := range s.lines(false) {
		if strings.Contains(l, listeningAt) {
			return i + 1
		}
	}
	return 0
}

// stop waits for the server to exit, after the block's last "kill $!" or
// "wait $!", and checks that it left no process running: nothing in its
// process group, nor in its script's.
func (s *server) stop(timeout time.Duration) error {
	select {
	case <-s.done:
	case <-time.After(timeout):
		s.kill()
		return fmt.Errorf("the server still ran %v later; it was killed", timeout)
	}
	// A child the server signalled as it stopped may take a moment to go.
	var left []int
	deadline := time.Now().Add(min(timeout, leftGrace))
	for {
		job, err1 := proc.Group(s.pid)
		script, err2 := proc.Group(s.script.Process.Pid)
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("look for what the server left running: %w", err)
		}
		if left = append(job, script...); len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(pollEvery)
	}
	s.kill()
	return fmt.Errorf("%w: %s", ErrLeftBehind, names(left))
}

// kill kills the job's process group while it has live members, then the
// script's while the script runs, and waits until both are gone. It is how
// a failed block cleans up. The job goes first, so that the script, still
// waiting for it, reaps it. A group already gone is left alone: its number
// may have been given to someone else's.
func (s *server) kill() {
	if s.pid > 0 && s.groupAlive() {
		_ = proc.SignalGroup(s.pid, syscall.SIGKILL) // it can only fail as gone
	}
	select {
	case <-s.done:
	case <-time.After(leftGrace):
		_ = proc.SignalGroup(s.script.Process.Pid, syscall.SIGKILL)
		<-s.done // SIGKILL cannot be caught: it is quick
	}
	// SIGKILL takes effect soon, not at once.
	for deadline := time.Now().Add(leftGrace); time.Now().Before(deadline); time.Sleep(pollEvery) {
		if s.pid <= 0 || !s.groupAlive() {
			return
		}
	}
}

// groupAlive reports whether the job's process group has a live member.
func (s *server) groupAlive() bool {
	members, err := proc.Group(s.pid)
	return err != nil || len(members) > 0 // unsure: kill it again
}

// names shows pids with their commands, "4242 (python3)", for errors.
func names(pids []int) string {
	var shown []string
	for _, pid := range pids {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil {
			comm = []byte("gone")
		}
		shown = append(shown, fmt.Sprintf("%d (%s)", pid, strings.TrimSpace(string(comm))))
	}
	return strings.Join(shown, ", ")
}

// ports maps the tutorial's ports, 8000 to 8009, to free ones of this
// machine, so that a block can say 127.0.0.1:8000 as a learner would type
// it and still run where port 8000 is taken.
type ports struct {
	free map[string]string         // "8000" -> "41234"
	back map[string]*regexp.Regexp // "8000" -> `:41234\b`
}

// tutorialPort finds ":8000" to ":8009" ending a port number: not ":80001".
var tutorialPort = regexp.MustCompile(`:800[0-9]\b`)

// freePorts returns a free port for each tutorial port the block's commands use.
func freePorts(b Block) (ports, error) {
	p := ports{free: map[string]string{}, back: map[string]*regexp.Regexp{}}
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for _, c := range b.Commands {
		for _, m := range tutorialPort.FindAllString(c.Text, -1) {
			port := m[1:]
			if _, ok := p.free[port]; ok {
				continue
			}
			// Held open until all are chosen, so no two are the same.
			l, err := listenBelowEphemeral()
			if err != nil {
				return p, fmt.Errorf("find a free port for %s: %w", port, err)
			}
			held = append(held, l)
			free := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
			p.free[port] = free
			p.back[port] = regexp.MustCompile(`:` + free + `\b`)
		}
	}
	return p, nil
}

// listenBelowEphemeral listens on a free 127.0.0.1 port below the kernel's
// ephemeral range. A port from bind(0) comes from that range, which is also
// where outgoing connections take their local ports: one chosen seconds
// before nginx binds it may be a client's by then, as another test's
// connection made it once under CI ("bind() to 127.0.0.1:8002 failed (98:
// Address already in use)", 2026-12-02). Below the range only listeners
// take ports. It falls back to bind(0) when it finds none.
func listenBelowEphemeral() (net.Listener, error) {
	low := 32768 // Linux's default start of the range
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				low = n
			}
		}
	}
	const from = 10000
	for range 50 {
		if low <= from {
			break
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(from+rand.IntN(low-from)))
		if err == nil {
			return l, nil
		}
	}
	return net.Listen("tcp", "127.0.0.1:0")
}

// forward rewrites a command to use the free ports.
func (p ports) forward(text string) string {
	return tutorialPort.ReplaceAllStringFunc(text, func(m string) string {
		if free, ok := p.free[m[1:]]; ok {
			return ":" + free
		}
		return m
	})
}

// backward rewrites output to show the tutorial's ports again.
func (p ports) backward(output string) string {
	for port, re := range p.back {
		output = re.ReplaceAllString(output, ":"+port)
	}
	return output
}

// given reports whether port is one the checker chose.
func (p ports) given(port string) bool {
	for _, free := range p.free {
		if free == port {
			return true
		}
	}
	return false
}

// describe says which free port stands for which tutorial port, for errors.
func (p ports) describe() string {
	if len(p.free) == 0 {
		return ""
	}
	var pairs []string
	for port, free := range p.free {
		pairs = append(pairs, port+" is "+free)
	}
	slices.Sort(pairs)
	return " (ports in this run: " + strings.Join(pairs, ", ") + ")"
}
