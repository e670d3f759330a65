package pyapp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// startWorker starts a Worker on testdata's apps, stopped at the end of the
// test.
func startTestWorker(t testing.TB, spec string, opts Options) *Worker {
	t.Helper()
	if opts.Python == "" {
		opts.Python = testkit.RealPython(t)
	}
	if opts.Chdir == "" {
		opts.Chdir = testkit.Testdata(t)
	}
	w, err := StartWorker(context.Background(), spec, opts)
	if err != nil {
		t.Fatalf("StartWorker(%q): %v", spec, err)
	}
	t.Cleanup(w.Kill)
	return w
}

// bigBody is what apps:big answers for ?n: n MiB.
func bigBody(n int) []byte {
	return bytes.Repeat([]byte("0123456789abcdef"), n<<20/16)
}

// TestThreadsRunAtOnce: with Threads 4, four requests run in one runner at
// the same time: each waits at a barrier until all four have reached it.
func TestThreadsRunAtOnce(t *testing.T) {
	t.Parallel()
	app := load(t, "apps:router", Options{Threads: 4})
	folder := t.TempDir()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := do(t, app, request("GET", "/barrier?"+folder+"&4", nil)); r.err != nil || r.body() != "passed" {
				t.Errorf("barrier: %q, %v", r.body(), r.err)
			}
		}()
	}
	wg.Wait()
}

// TestAnswersInterleave: two streaming responses produced at once on two
// threads reach their own requests, whatever order they are read in: each
// frame carries its request's id.
func TestAnswersInterleave(t *testing.T) {
	t.Parallel()
	app := load(t, "apps:router", Options{Threads: 2})
	start := func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, nil }
	var bodies []wsgi.Body
	for _, q := range []string{"abcdefgh", "12345678"} {
		b, err := app.Call(request("GET", "/echo_chunks?"+q, nil), start)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		bodies = append(bodies, b)
	}
	got := []string{"", ""}
	for done := 0; done < 2; {
		done = 0
		for i, b := range bodies {
			chunk, err := b.Next()
			if err != nil {
				done++
				continue
			}
			got[i] += string(chunk)
		}
	}
	if got[0] != "abcdefgh" || got[1] != "12345678" {
		t.Errorf("bodies %q", got)
	}
}

// TestSlowClientDoesNotHoldTheThread: a response nobody reads (a client
// that stopped reading) is drained from the runner into Go's buffer, in
// memory up to ResponseMemory and then in a spool file, so the runner's one
// thread is free for the next request at once.
func TestSlowClientDoesNotHoldTheThread(t *testing.T) {
	t.Parallel()
	budget := NewBudget(64 << 20)
	app := load(t, "apps:router", Options{ResponseMemory: 256 << 10, Budget: budget})
	start := func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, nil }
	for _, how := range []string{"list", "generator"} {
		t.Run(how, func(t *testing.T) {
			marker := filepath.Join(t.TempDir(), "done")
			query := "/big?50"
			if how == "generator" {
				query += "&gen&" + marker
			}
			unread, err := app.Call(request("GET", query, nil), start)
			if err != nil {
				t.Fatal(err)
			}
			// The next request is answered while the 50 MB wait.
			if r := do(t, app, request("GET", "/echo", nil)); r.err != nil || r.body() != "GET /echo? " {
				t.Fatalf("the next request: %q, %v", r.body(), r.err)
			}
			if used := budget.Used(); used > 256<<10 {
				t.Errorf("%d bytes held in memory, more than ResponseMemory", used)
			}
			var got bytes.Buffer
			for {
				chunk, err := unread.Next()
				if err != nil {
					break
				}
				got.Write(chunk)
			}
			if !bytes.Equal(got.Bytes(), bigBody(50)) {
				t.Errorf("the unread response, read at last: %d bytes, not the app's", got.Len())
			}
			unread.Close()
			if used := budget.Used(); used != 0 {
				t.Errorf("%d bytes of the budget still drawn after Close", used)
			}
		})
	}
}

// TestResponseWindow: past its window (ResponseMemory, no spool) a
// response makes the app's thread wait for the client, and a warning says
// so; the body still arrives whole as the client reads it.
func TestResponseWindow(t *testing.T) {
	t.Parallel()
	var log testkit.Buffer
	app := load(t, "apps:router", Options{ResponseMemory: 128 << 10, ResponseSpool: -1, Threads: 2, ErrorLog: &log})
	marker := filepath.Join(t.TempDir(), "done")
	body, err := app.Call(request("GET", "/big?4&gen&"+marker, nil), func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	waitFor(t, "the warning", func() bool { return strings.Contains(log.String(), "the app now waits at the client's pace") })
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the app finished its 4 MiB although only 128 KiB may wait for the client")
	}
	var got bytes.Buffer
	for {
		chunk, err := body.Next()
		if err != nil {
			break
		}
		got.Write(chunk)
	}
	if !bytes.Equal(got.Bytes(), bigBody(4)) {
		t.Errorf("%d bytes arrived, not the app's 4 MiB", got.Len())
	}
	waitFile(t, marker)
}

// TestSilence: a response that has used its window and waits for its
// client is not silent, however long it waits: the app is waiting for us,
// not stuck. Once the response is closed, an app that does not stop (its
// close() hangs) is silent again, and a timeout would see it.
func TestSilence(t *testing.T) {
	t.Parallel()
	var log testkit.Buffer
	w := startTestWorker(t, "apps:router", Options{ResponseMemory: 128 << 10, ResponseSpool: -1, ErrorLog: &log})
	r, err := w.Send(request("GET", "/stuck_close", nil))
	if err != nil {
		t.Fatal(err)
	}
	body, err := r.Respond(func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the window to be used", func() bool { return strings.Contains(log.String(), "the app now waits at the client's pace") })
	time.Sleep(200 * time.Millisecond)
	if s := w.Silence(); s != 0 {
		t.Errorf("waiting for its client, the app is silent for %v; want 0", s)
	}
	body.Close()
	waitFor(t, "the silence of an app that does not stop", func() bool { return w.Silence() > 100*time.Millisecond })
	if n := w.Expire(100*time.Millisecond, errors.New("stuck")); n != 1 {
		t.Errorf("Expire gave up on %d calls, want 1", n)
	}
}

// TestResponseSpoolIsShared: the spool files of all responses together stay
// within the SpoolBudget: with 3 MiB of disk, two unread 6 MiB responses
// cannot both be spooled, so the second app waits for its client (and a
// warning says so) instead of filling the disk; both still arrive whole,
// and the disk comes back.
func TestResponseSpoolIsShared(t *testing.T) {
	t.Parallel()
	var log testkit.Buffer
	spool := NewBudget(3 << 20)
	app := load(t, "apps:router", Options{
		ResponseMemory: 128 << 10, ResponseSpool: 3 << 20, SpoolBudget: spool,
		Threads: 2, ErrorLog: &log, TempDir: t.TempDir(),
	})
	start := func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, nil }
	var bodies []wsgi.Body
	var markers []string
	for i := range 2 {
		markers = append(markers, filepath.Join(t.TempDir(), fmt.Sprint("done", i)))
		body, err := app.Call(request("GET", "/big?6&gen&"+markers[i], nil), start)
		if err != nil {
			t.Fatal(err)
		}
		defer body.Close()
		bodies = append(bodies, body)
	}
	waitFor(t, "the warning", func() bool { return strings.Contains(log.String(), "the app now waits at the client's pace") })
	// A frame past what was reserved may land on disk: a step is the slack.
	if used := spool.Used(); used > 3<<20+spoolStep {
		t.Errorf("the spool files hold %d bytes, more than the 3 MiB budget", used)
	}
	for _, m := range markers {
		if _, err := os.Stat(m); err == nil {
			t.Errorf("an app finished its 6 MiB although only 3 MiB may wait on disk for all")
		}
	}
	for i, body := range bodies {
		if got := readAll(t, body); !bytes.Equal(got, bigBody(6)) {
			t.Errorf("response %d: %d bytes arrived, not the app's 6 MiB", i, len(got))
		}
		body.Close()
	}
	waitFor(t, "the disk to be given back", func() bool { return spool.Used() == 0 })
}

// TestSpoolDiskFollowsTheClient: a response's disk is what its client has
// yet to take, not all the response was sent: spool files are written to a
// size, and each is closed once its bytes are taken.
func TestSpoolDiskFollowsTheClient(t *testing.T) {
	t.Parallel()
	spool := NewBudget(1 << 30)
	app := load(t, "apps:router", Options{ResponseMemory: 128 << 10, SpoolBudget: spool, TempDir: t.TempDir()})
	marker := filepath.Join(t.TempDir(), "done")
	body, err := app.Call(request("GET", "/big?40&gen&"+marker, nil), func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, nil })
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	waitFile(t, marker) // all 40 MiB are in Go now, nearly all on disk
	var got bytes.Buffer
	for got.Len() < 24<<20 {
		chunk, err := body.Next()
		if err != nil {
			t.Fatal(err)
		}
		got.Write(chunk)
	}
	// 16 MiB wait; the file being read (at most spoolFileMax) and a reserved
	// step may hold more.
	if used, most := spool.Used(), int64(16<<20+spoolFileMax+2*spoolStep); used > most {
		t.Errorf("with 16 MiB left for the client, the spool files hold %d bytes (want at most %d)", used, most)
	}
	got.Write(readAll(t, body))
	if !bytes.Equal(got.Bytes(), bigBody(40)) {
		t.Errorf("%d bytes arrived, not the app's 40 MiB", got.Len())
	}
	body.Close()
	if used := spool.Used(); used != 0 {
		t.Errorf("%d bytes of disk still drawn after Close", used)
	}
}

// readAll reads the rest of body.
func readAll(t *testing.T, body wsgi.Body) []byte {
	t.Helper()
	var got bytes.Buffer
	for {
		chunk, err := body.Next()
		if err == io.EOF {
			return got.Bytes()
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v", got.Len(), err)
		}
		got.Write(chunk)
	}
}

// TestWorkerSupervision: what a supervisor asks of a Worker: a ping, how
// long its oldest request has run, giving up on it (Expire), the
// tracebacks of its threads, naming the line it is stuck on.
func TestWorkerSupervision(t *testing.T) {
	t.Parallel()
	w := startTestWorker(t, "apps:router", Options{})
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	if err := w.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if w.Oldest() != 0 || w.Busy() != 0 {
		t.Errorf("idle: Oldest %v, Busy %d", w.Oldest(), w.Busy())
	}
	marker := filepath.Join(t.TempDir(), "started")
	called := make(chan error, 1)
	go func() {
		_, err := w.Call(request("GET", "/hang_before_head?"+marker, nil), nil)
		called <- err
	}()
	waitFile(t, marker)
	waitFor(t, "the request to be running", func() bool { return w.Oldest() > 0 && w.Busy() == 1 && w.Active() == 1 })
	tb := w.DumpTracebacks(hangGuard)
	for _, want := range []string{`apps.py", line`, "in hang_before_head", "time.sleep(3600)"} {
		if !strings.Contains(tb, want) {
			t.Errorf("the tracebacks lack %q:\n%s", want, tb)
		}
	}
	stuck := errors.New("stuck")
	if n := w.Expire(0, stuck); n != 1 {
		t.Errorf("Expire gave up on %d requests, want 1", n)
	}
	if err := <-called; !errors.Is(err, stuck) {
		t.Errorf("the expired call: %v", err)
	}
	if w.Active() != 0 || w.Busy() != 1 {
		t.Errorf("after Expire: Active %d, Busy %d (the thread is still stuck)", w.Active(), w.Busy())
	}
	w.Kill()
	select {
	case <-w.Done():
	case <-time.After(hangGuard):
		t.Fatal("Done not closed after Kill")
	}
}

// TestWorkerTitle: Options.Title is what ps shows; the interpreter is the
// one asked for.
func TestWorkerTitle(t *testing.T) {
	t.Parallel()
	w := startTestWorker(t, "apps:router", Options{Title: "gunicorn-go: worker [apps:router]"})
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", w.Pid()))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimRight(string(b), "\x00"); got != "gunicorn-go: worker [apps:router]" {
		t.Errorf("cmdline %q", got)
	}
}

// TestRunnerIgnoresTheMastersSignals: the signals a terminal's Ctrl-C, a
// process manager or a pkill sends the whole process group are the
// master's business: the runner serves on.
func TestRunnerIgnoresTheMastersSignals(t *testing.T) {
	t.Parallel()
	w := startTestWorker(t, "apps:router", Options{})
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGTTIN, syscall.SIGWINCH} {
		if err := syscall.Kill(w.Pid(), sig); err != nil {
			t.Fatal(err)
		}
	}
	if r := do(t, w, request("GET", "/echo", nil)); r.err != nil {
		t.Errorf("after the master's signals: %v", r.err)
	}
}

// TestStartErrors: an interpreter that cannot start is ErrBoot; a missing
// top-level package gets a hint naming the interpreter; a LoadError is a
// wsgi.ErrAppLoad.
func TestStartErrors(t *testing.T) {
	t.Parallel()
	_, err := StartWorker(context.Background(), "apps:router", Options{Python: "/nonexistent/python3", Chdir: testkit.Testdata(t)})
	if !errors.Is(err, ErrBoot) {
		t.Errorf("no interpreter: %v, want ErrBoot", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "needs.py"), []byte("import no_such_framework\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	python := testkit.RealPython(t)
	_, err = StartWorker(context.Background(), "needs:app", Options{Python: python, Chdir: dir})
	if !errors.Is(err, ErrImport) || !errors.Is(err, wsgi.ErrAppLoad) {
		t.Fatalf("missing package: %v", err)
	}
	if want := "hint: " + python + ` cannot import "no_such_framework"`; !strings.Contains(err.Error(), want) {
		t.Errorf("no hint %q in:\n%v", want, err)
	}
}

// TestTakeBack: a request sent ahead, waiting in the runner behind busy
// threads, is given back (ErrTakenBack) and never runs; one that has
// started is not taken back, and ends as usual. With one thread the
// runner's main thread is in the app when the T arrives (SIGURG makes it
// read it); with two, its main thread reads it at once.
func TestTakeBack(t *testing.T) {
	t.Parallel()
	for _, threads := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d threads", threads), func(t *testing.T) {
			t.Parallel()
			w := startTestWorker(t, "apps:router", Options{Threads: threads})
			folder := t.TempDir()
			var busy []*Request
			for i := range threads {
				marker := filepath.Join(folder, fmt.Sprint(i))
				r, err := w.Send(request("GET", "/wait_for?"+marker, nil))
				if err != nil {
					t.Fatal(err)
				}
				waitFile(t, marker+".started")
				busy = append(busy, r)
			}
			ran := filepath.Join(folder, "ran")
			ahead, err := w.Send(request("GET", "/wait_for?"+ran, nil)) // would leave ran.started if it ran
			if err != nil {
				t.Fatal(err)
			}
			w.TakeBack(ahead)
			start := func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, nil }
			if _, err := ahead.Respond(start); !errors.Is(err, ErrTakenBack) {
				t.Fatalf("the request sent ahead: %v, want ErrTakenBack", err)
			}
			w.TakeBack(busy[0]) // started: it is not taken back
			for i, r := range busy {
				if err := os.WriteFile(filepath.Join(folder, fmt.Sprint(i)), nil, 0o644); err != nil {
					t.Fatal(err)
				}
				if got := do(t, respondOnly{r}, nil); got.err != nil {
					t.Errorf("busy request %d: %v", i, got.err)
				}
			}
			if _, err := os.Stat(ran + ".started"); err == nil {
				t.Error("the request taken back ran")
			}
			if r := do(t, w, request("GET", "/echo", nil)); r.err != nil {
				t.Errorf("the next request: %v", r.err)
			}
		})
	}
}

// respondOnly makes a Request already sent look like an App to do.
type respondOnly struct{ r *Request }

func (o respondOnly) Call(_ *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
	return o.r.Respond(start)
}

// TestTakeBackReadWithItsRequest: with one thread, a T that reaches the
// runner in the same read as the request before it, its SIGURG coming
// while the runner reads, is acted on before that request runs: the
// request sent ahead is given back at once, not once the slow one ends.
// The runner is stopped while the three are sent, so that it reads them
// together when it goes on.
func TestTakeBackReadWithItsRequest(t *testing.T) {
	t.Parallel()
	w := startTestWorker(t, "apps:router", Options{Threads: 1})
	if r := do(t, w, request("GET", "/echo", nil)); r.err != nil { // the runner waits for its next request
		t.Fatal(r.err)
	}
	folder := t.TempDir()
	slowMarker, ran := filepath.Join(folder, "slow"), filepath.Join(folder, "ran")
	if err := syscall.Kill(w.pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	slow, err := w.Send(request("GET", "/wait_for?"+slowMarker, nil))
	if err != nil {
		t.Fatal(err)
	}
	ahead, err := w.Send(request("GET", "/wait_for?"+ran, nil)) // would leave ran.started if it ran
	if err != nil {
		t.Fatal(err)
	}
	w.TakeBack(ahead)
	if err := syscall.Kill(w.pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	defer os.WriteFile(slowMarker, nil, 0o644) // lets the slow one end, whatever happens

	waitFile(t, slowMarker+".started")
	taken := make(chan error, 1)
	go func() {
		_, err := ahead.Respond(func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, nil })
		taken <- err
	}()
	select {
	case err := <-taken:
		if !errors.Is(err, ErrTakenBack) {
			t.Fatalf("the request sent ahead: %v, want ErrTakenBack", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the request sent ahead was not given back while the slow one runs")
	}
	if err := os.WriteFile(slowMarker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := do(t, respondOnly{slow}, nil); got.err != nil {
		t.Errorf("the slow request: %v", got.err)
	}
	if _, err := os.Stat(ran + ".started"); err == nil {
		t.Error("the request taken back ran")
	}
}
