package main

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// TestSketchUpgrade: USR2 hands the socket to a new process, which
// answers on the same address once the old one has gone.
func TestSketchUpgrade(t *testing.T) {
	t.Parallel()
	bin := testkit.Binary(t, "stage6-supervision/sketch")
	p := testkit.Start(t, testkit.StartOptions{}, bin, "-b", "127.0.0.1:0")
	url := "http://" + p.WaitListening(30*time.Second) + "/"
	if got := hello(t, url); got != "hello from pid "+strconv.Itoa(p.Pid()) {
		t.Fatalf("before the upgrade: %q", got)
	}
	p.Signal(syscall.SIGUSR2)
	line := p.WaitLog("serves: stopping", 30*time.Second)
	_, rest, _ := strings.Cut(line, "(pid ")
	before, _, _ := strings.Cut(rest, ")")
	newPid, err := strconv.Atoi(before)
	if err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	defer func() {
		syscall.Kill(newPid, syscall.SIGKILL)
		testkit.WaitFor(t, "the new process to go", 30*time.Second, func() bool { return !testkit.Running(newPid) })
	}()
	p.WaitLog("["+strconv.Itoa(p.Pid())+"] stopped", 30*time.Second)
	testkit.WaitFor(t, "the old process to exit", 30*time.Second, func() bool { return !testkit.Running(p.Pid()) })
	if got := hello(t, url); got != "hello from pid "+strconv.Itoa(newPid) {
		t.Errorf("after the upgrade: %q, want the new process's answer", got)
	}
}

func hello(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b))
}
