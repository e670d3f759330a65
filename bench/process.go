package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Sentinel errors of the process handling.
var (
	// errExited: the server exited before it was ready.
	errExited = errors.New("bench: server exited")
	// errNotReady: the server did not become ready in time.
	errNotReady = errors.New("bench: server not ready")
)

// logBuffer collects a server's output; the server writes while we read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a server process, leader of its own process group so that it and
// every worker it forks can be stopped together.
type proc struct {
	cmd     *exec.Cmd
	log     *logBuffer
	done    chan struct{} // closed once the leader has been reaped
	waitErr error         // how the leader exited; read after done
}

// startProc starts argv in dir with env added to ours.
func startProc(dir string, env []string, argv []string) (*proc, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &proc{cmd: cmd, log: &logBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// listening waits for gunicorn's "Listening at: http://HOST:PORT" line and
// returns HOST:PORT. Our stages and the net/http child print it too.
func (p *proc) listening(timeout time.Duration) (string, error) {
	const marker = "Listening at: http://"
	deadline := time.Now().Add(timeout)
	for {
		out := p.log.String()
		if _, rest, ok := strings.Cut(out, marker); ok {
			if addr, _, ok := strings.Cut(rest, " "); ok {
				return addr, nil
			}
		}
		if p.exited() {
			return "", fmt.Errorf("%w (%v) before listening:\n%s", errExited, p.waitErr, out)
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("%w: no %q after %v:\n%s", errNotReady, marker, timeout, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ready polls url until it answers 200 and returns that answer's body: a
// master may listen before its worker has booted.
func (p *proc) ready(url string, timeout time.Duration) ([]byte, error) {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	var last error
	for {
		resp, err := client.Get(url)
		if err == nil {
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && rerr == nil {
				return body, nil
			}
			last = fmt.Errorf("GET %s: %s", url, resp.Status)
		} else {
			last = err
		}
		if p.exited() {
			return nil, fmt.Errorf("%w (%v) while starting: %v:\n%s", errExited, p.waitErr, last, p.log.String())
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w after %v: %v:\n%s", errNotReady, timeout, last, p.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM to the process group, as an operator stops gunicorn,
// and waits up to grace for the leader; then SIGKILL reaches whatever of the
// group is left. It returns an error when a signal cannot be sent or the
// leader outlives even SIGKILL.
func (p *proc) stop(grace time.Duration) error {
	pgid := p.pid()
	errTerm := signalGroup(pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
	}
	// Also after a clean exit: a worker must not outlive its master.
	errKill := signalGroup(pgid, syscall.SIGKILL)
	select {
	case <-p.done:
		return errors.Join(errTerm, errKill)
	case <-time.After(10 * time.Second):
		return errors.Join(errTerm, errKill, fmt.Errorf("pid %d still running after SIGKILL", pgid))
	}
}

// signalGroup signals every process of group pgid. A group already gone
// (ESRCH) is what stopping wants, not an error.
func signalGroup(pgid int, sig syscall.Signal) error {
	err := syscall.Kill(-pgid, sig)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal %v to process group %d: %w", sig, pgid, err)
	}
	return nil
}
