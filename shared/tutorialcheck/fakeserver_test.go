package tutorialcheck

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain runs the tests, or the fake server when the test binary is run
// under the name "fakeserver" (a symlink that linkFakeServer makes).
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "fakeserver" {
		os.Exit(fakeServer(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// linkFakeServer puts a "fakeserver" symlink to the test binary in dir.
func linkFakeServer(t *testing.T, dir string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(exe, filepath.Join(dir, "fakeserver")); err != nil {
		t.Fatal(err)
	}
}

// fakeServer is a server the size of a test: it logs like gunicorn (a
// "Listening at:" line with its pid), answers "hello" over HTTP, logs each
// request before answering it (a request for /late a moment after), and
// exits on TERM or INT once every request is logged.
//
//	fakeserver [-b ADDR] [-exit N] [-child] [-fail]
//
// -exit is the status it exits with; -child leaves a child process running
// when it exits; -fail exits 1 before listening.
func fakeServer(args []string) int {
	fs := flag.NewFlagSet("fakeserver", flag.ContinueOnError)
	bind := fs.String("b", "127.0.0.1:8000", "address")
	exit := fs.Int("exit", 0, "exit status")
	child := fs.Bool("child", false, "leave a child running")
	fail := fs.Bool("fail", false, "fail before listening")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fmt.Fprintln(os.Stderr, "[fake] Starting")
	if *fail {
		fmt.Fprintln(os.Stderr, "[fake] cannot bind")
		return 1
	}
	// A process started with INT ignored keeps it so unless it says
	// otherwise (Python does); Go's signal.Notify would hide it.
	if status, err := os.ReadFile("/proc/self/status"); err == nil && intIgnored(string(status)) {
		fmt.Fprintln(os.Stderr, "[fake] started with SIGINT ignored")
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1)
	l, err := net.Listen("tcp", *bind)
	if err != nil {
		fmt.Fprintln(os.Stderr, "[fake]", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "[fake] Listening at: http://%s (%d)\n", l.Addr(), os.Getpid())
	if *child {
		if err := exec.Command("sleep", "300").Start(); err != nil {
			fmt.Fprintln(os.Stderr, "[fake]", err)
			return 1
		}
	}
	fmt.Fprintln(os.Stderr, "[fake] Ready")
	var logging sync.WaitGroup
	go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/late" {
			fmt.Println("[fake] GET", r.URL.Path)
			fmt.Fprintln(w, "hello")
			return
		}
		fmt.Fprintln(w, "hello")
		// After the answer, as an access log line may come.
		logging.Add(1)
		go func() {
			defer logging.Done()
			time.Sleep(50 * time.Millisecond)
			fmt.Println("[fake] GET /late")
		}()
	}))
	defer logging.Wait()
	for sig := range sigs {
		fmt.Fprintf(os.Stderr, "[fake] Handling signal: %s\n", map[os.Signal]string{
			syscall.SIGTERM: "term", syscall.SIGINT: "int", syscall.SIGUSR1: "usr1"}[sig])
		if sig != syscall.SIGUSR1 {
			break
		}
	}
	return *exit
}

// intIgnored reads the SigIgn mask of /proc/self/status: bit N-1 is signal N.
func intIgnored(status string) bool {
	for _, line := range strings.Split(status, "\n") {
		if mask, ok := strings.CutPrefix(line, "SigIgn:"); ok {
			m, err := strconv.ParseUint(strings.TrimSpace(mask), 16, 64)
			return err == nil && m&(1<<(syscall.SIGINT-1)) != 0
		}
	}
	return false
}
