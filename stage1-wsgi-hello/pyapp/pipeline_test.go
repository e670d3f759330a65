package pyapp

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"gunicorn-go/shared/testkit"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// TestPipelinedCalls has 64 goroutines call at once, mixing list bodies,
// generators, lazy request bodies (one byte per D frame, so that D frames
// and queued Q frames interleave) and inline ones. Each checks its own answer.
func TestPipelinedCalls(t *testing.T) {
	for _, runners := range []int{1, 4} {
		t.Run(fmt.Sprintf("%d runners", runners), func(t *testing.T) {
			app := validated(t, load(t, "apps:router", Options{Runners: runners}))
			const goroutines, calls = 64, 24
			var wg sync.WaitGroup
			errs := make(chan error, goroutines*calls)
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range calls {
						query := fmt.Sprintf("g=%d&i=%d", g, i)
						env, want := mixedRequest((g+i)%4, query)
						if r := do(t, app, env); r.err != nil || r.body() != want {
							errs <- fmt.Errorf("%s: got %q, %v; want %q", query, r.body(), r.err, want)
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// TestCancelBehindBigRequests cancels a response of big chunks while big
// requests wait to be written: the runner is blocked writing a chunk Go does
// not read, Go is blocked writing a request the runner does not read, and the
// C frame waits behind that request. The runner must keep reading while it
// writes.
func TestCancelBehindBigRequests(t *testing.T) {
	app := load(t, "apps:router", Options{})
	marker := filepath.Join(t.TempDir(), "closed")
	closeBehindBigRequests(t, app, request("GET", "/endless_big?"+marker, nil), func() {})
	if b, err := os.ReadFile(marker); err != nil || string(b) != "closed" {
		t.Errorf("the iterable's close() was not called: %q, %v", b, err)
	}
}

// TestCancelWhileAppThreadLogs is TestCancelBehindBigRequests with an app
// thread flooding wsgi.errors: the thread cannot finish its write until Go
// reads, Go cannot send the C frame until the runner reads the requests in
// its way, and the runner's main thread, the only reader, wants to send a
// chunk. Had the thread kept the send lock while it waited, the main thread
// would wait for it forever.
func TestCancelWhileAppThreadLogs(t *testing.T) {
	var logged countWriter
	app := load(t, "apps:router", Options{})
	marker := filepath.Join(t.TempDir(), "go")
	env := request("GET", "/log_flood?"+marker, nil)
	env.Errors = &logged
	closeBehindBigRequests(t, app, env, func() {
		if err := os.WriteFile(marker, nil, 0o644); err != nil { // the app goes on
			t.Error(err)
		}
	})
	if logged.n.Load() == 0 {
		t.Error("no wsgi.errors text reached the error log")
	}
}

// closeBehindBigRequests calls env's app and reads the first chunk, queues
// four 512 kB requests behind it, and closes the response once the first of
// them is being written, more than the socket holds. closing runs while Close
// is under way. Close must return, and each queued request get its echo.
func closeBehindBigRequests(t *testing.T, app *App, env *wsgi.Environ, closing func()) {
	t.Helper()
	body, err := app.Call(env, func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := body.Next(); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("0123456789abcdef", 32_000) // 512 kB
	const queued = 4
	results := make([]chan response, queued)
	for i := range results {
		results[i] = make(chan response, 1)
		data := []byte(fmt.Sprintf("%d:", i) + big)
		go func() { results[i] <- do(t, app, request("POST", "/echo", buffered{data: data})) }()
	}
	waitQueued(t, app, 2) // the first request is being written, or was
	closed := make(chan error, 1)
	go func() { closed <- body.Close() }()
	closing()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(hangGuard):
		t.Fatal("Close: deadlocked")
	}
	for i, c := range results {
		want := fmt.Sprintf("POST /echo? %d:", i) + big
		select {
		case r := <-c:
			if r.err != nil || r.body() != want {
				t.Errorf("queued request %d: %d bytes back, %v", i, len(r.body()), r.err)
			}
		case <-time.After(hangGuard):
			t.Fatalf("queued request %d: no answer", i)
		}
	}
}

// countWriter counts the bytes written to it, from any goroutine.
type countWriter struct{ n atomic.Int64 }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return len(p), nil
}

// mixedRequest returns request number kind (0 to 3) of TestPipelinedCalls for
// query, and the body it must get.
func mixedRequest(kind int, query string) (*wsgi.Environ, string) {
	switch kind {
	case 0:
		return request("GET", "/echo?"+query, nil), "GET /echo?" + query + " "
	case 1:
		return request("GET", "/echo_chunks?"+query, nil), query
	case 2:
		input := hidden{iotest.OneByteReader(strings.NewReader("lazy " + query))}
		return request("POST", "/echo?mode=readn&"+query, input), "POST /echo?mode=readn&" + query + " lazy " + query
	default:
		data := []byte("inline " + query)
		return request("POST", "/echo?"+query, buffered{data: data}), "POST /echo?" + query + " inline " + query
	}
}

// TestQueuedBehindLazyInput queues requests while the app waits for its
// request body: the runner reads their Q frames while it waits for D frames,
// and must serve them afterwards, in order.
func TestQueuedBehindLazyInput(t *testing.T) {
	app := load(t, "apps:router", Options{})
	gate := make(chan struct{})
	first := make(chan response, 1)
	input := hidden{gated{gate: gate, Reader: iotest.OneByteReader(strings.NewReader("slow body"))}}
	go func() { first <- do(t, app, request("POST", "/echo?mode=readn", input)) }()
	waitQueued(t, app, 1)
	const queued = 5
	results := callEchoes(t, app, queued)
	waitQueued(t, app, 1+queued)
	close(gate)
	if r := <-first; r.err != nil || r.body() != "POST /echo?mode=readn slow body" {
		t.Errorf("lazy POST: %q, %v", r.body(), r.err)
	}
	checkEchoes(t, results)
}

// TestRunnerKilledWithRequestsQueued kills the runner while it serves a slow
// request with others queued behind it: the slow one fails, the queued ones
// had not started and are served by the replacement.
func TestRunnerKilledWithRequestsQueued(t *testing.T) {
	app := load(t, "apps:router", Options{ErrorLog: &testkit.Buffer{}})
	pid := app.Pids()[0]
	marker := filepath.Join(t.TempDir(), "never")
	slow := make(chan response, 1)
	go func() { slow <- do(t, app, request("GET", "/wait_for?"+marker, nil)) }()
	waitFile(t, marker+".started")
	const queued = 6
	results := callEchoes(t, app, queued)
	waitQueued(t, app, 1+queued)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if r := <-slow; !errors.Is(r.err, ErrRunnerDied) {
		t.Errorf("slow request: %q, %v; want ErrRunnerDied", r.body(), r.err)
	}
	checkEchoes(t, results)
	if got := app.Pids()[0]; got == pid {
		t.Errorf("the dead runner %d was not replaced", pid)
	}
}

// TestSlowRequestDoesNotDelayOthers keeps one of two runners busy with a
// request that waits for a file: fast requests go to the idle runner.
func TestSlowRequestDoesNotDelayOthers(t *testing.T) {
	app := load(t, "apps:router", Options{Runners: 2})
	marker := filepath.Join(t.TempDir(), "go-on")
	slow := make(chan response, 1)
	go func() { slow <- do(t, app, request("GET", "/wait_for?"+marker, nil)) }()
	slowPid := testkit.WaitPidFile(t, marker+".started", hangGuard)
	fast := make(chan error, 1)
	go func() {
		for i := range 20 {
			r := do(t, app, request("GET", "/pid", nil))
			if r.err != nil {
				fast <- fmt.Errorf("fast request %d: %w", i, r.err)
				return
			}
			pid, err := strconv.Atoi(r.body()) // not atoi(t, …): t.Fatal is for the test's goroutine
			if err != nil {
				fast <- fmt.Errorf("fast request %d: pid %q: %w", i, r.body(), err)
				return
			}
			if pid == slowPid || !slices.Contains(app.Pids(), pid) {
				fast <- fmt.Errorf("fast request %d served by pid %d; the slow request holds %d, runners are %v", i, pid, slowPid, app.Pids())
				return
			}
		}
		fast <- nil
	}()
	select {
	case err := <-fast:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(hangGuard):
		// Stuck behind the slow request, surely: free it, and the pids tell.
		if err := os.WriteFile(marker, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Error(<-fast)
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := <-slow; r.err != nil || atoi(t, r.body()) != slowPid {
		t.Errorf("slow request: %q, %v", r.body(), r.err)
	}
}

// TestCancelWithRequestsQueued closes a generator's body midway while other
// requests wait behind it on the same runner: the generator is closed, and
// the queued requests get their own answers from the same runner.
func TestCancelWithRequestsQueued(t *testing.T) {
	app := load(t, "apps:router", Options{})
	pids := app.Pids()
	const queued = 5
	var results []chan response
	cancelEndless(t, app, func() {
		results = callEchoes(t, app, queued)
		waitQueued(t, app, 1+queued)
	})
	checkEchoes(t, results)
	if got := app.Pids(); got[0] != pids[0] {
		t.Errorf("runner replaced (%v → %v); it should have been reused", pids, got)
	}
}

// TestStaleCancelIsIgnored closes a response whose end the runner has already
// sent, while the runner serves the next request: the C frame names the
// closed request, so the runner must not stop the one it is serving.
func TestStaleCancelIsIgnored(t *testing.T) {
	app := load(t, "apps:router", Options{})
	first, err := app.Call(request("GET", "/echo", nil), func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(t.TempDir(), "go-on")
	next := make(chan response, 1)
	go func() { next <- do(t, app, request("GET", "/marked_generator?"+marker, nil)) }()
	// The runner has ended the first request and runs this one: closing the
	// first now sends a C that comes too late for it.
	waitFile(t, marker+".started")
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if r := <-next; r.err != nil || r.body() != "first;second;" {
		t.Errorf("next request: got %q, %v; want the whole body", r.body(), r.err)
	}
}

// TestCloseUnderLoad closes the App while 64 goroutines call it: every call
// returns, with its answer or ErrClosed.
func TestCloseUnderLoad(t *testing.T) {
	app, err := Load("apps:router", Options{Python: testkit.RealPython(t), Chdir: testdata(t), Runners: 2})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	started := make(chan struct{}, 64)
	for g := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				query := fmt.Sprintf("g=%d&i=%d", g, i)
				env, want := mixedRequest((g+i)%4, query)
				r := do(t, app, env)
				switch {
				case errors.Is(r.err, ErrClosed):
					return
				case r.err != nil || r.body() != want:
					errs <- fmt.Errorf("%s: got %q, %v; want %q or ErrClosed", query, r.body(), r.err, want)
					return
				}
				if i == 0 {
					started <- struct{}{}
				}
			}
		}()
	}
	stop := func(why any) { // let the goroutines end before the test does
		app.Close()
		wg.Wait()
		t.Fatal(why)
	}
	for range 64 {
		select { // every goroutine is being served
		case <-started:
		case err := <-errs:
			stop(err) // a goroutine failed before its first answer
		case <-time.After(hangGuard):
			stop("the goroutines did not all get a first answer")
		}
	}
	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// callEchoes starts n GET /echo?n=N calls, each in its own goroutine, and
// returns their results, each in the channel of its index.
func callEchoes(t *testing.T, app *App, n int) []chan response {
	t.Helper()
	results := make([]chan response, n)
	for i := range results {
		results[i] = make(chan response, 1)
		go func() { results[i] <- do(t, app, request("GET", fmt.Sprintf("/echo?n=%d", i), nil)) }()
	}
	return results
}

// checkEchoes checks the answers of callEchoes's calls.
func checkEchoes(t *testing.T, results []chan response) {
	t.Helper()
	for i, c := range results {
		want := fmt.Sprintf("GET /echo?n=%d ", i)
		select {
		case r := <-c:
			if r.err != nil || r.body() != want {
				t.Errorf("queued request %d: got %q, %v; want %q", i, r.body(), r.err, want)
			}
		case <-time.After(hangGuard):
			t.Fatalf("queued request %d: no answer", i)
		}
	}
}

// waitQueued waits until app's first runner has n requests in its queue
// (sent and not yet answered).
func waitQueued(t *testing.T, app *App, n int) {
	t.Helper()
	app.mu.Lock()
	r := app.runners[0]
	app.mu.Unlock()
	waitFor(t, fmt.Sprintf("%d requests queued on runner %d", n, r.pid), func() bool {
		r.qmu.Lock()
		defer r.qmu.Unlock()
		return len(r.queue) >= n
	})
}

// waitFile waits until the file at path exists.
func waitFile(t *testing.T, path string) {
	t.Helper()
	waitFor(t, path, func() bool {
		_, err := os.Stat(path)
		return err == nil
	})
}

// hangGuard turns a test that would hang into one that fails. It bounds waits
// that end within milliseconds when all is well: no test measures time.
const hangGuard = time.Minute

// waitFor polls done until it is true, failing after hangGuard.
func waitFor(t *testing.T, what string, done func() bool) {
	t.Helper()
	testkit.WaitFor(t, what, hangGuard, done)
}

// gated is a reader whose first Read waits until gate is closed.
type gated struct {
	gate <-chan struct{}
	io.Reader
}

func (g gated) Read(p []byte) (int, error) {
	<-g.gate
	return g.Reader.Read(p)
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("not a pid: %q", s)
	}
	return n
}
