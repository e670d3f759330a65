package pyapp

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// TestLoadContextCancelled: a server told to stop while the app is still
// importing gives up the load, and the runner does not outlive it.
func TestLoadContextCancelled(t *testing.T) {
	mark := filepath.Join(t.TempDir(), "importing")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	loaded := make(chan error, 1)
	go func() {
		app, err := LoadContext(ctx, "slowload:app", Options{Python: testkit.RealPython(t), Chdir: testkit.Testdata(t), Env: []string{"SLOWLOAD_MARK=" + mark}})
		if app != nil {
			app.Close()
		}
		loaded <- err
	}()
	waitFile(t, mark)
	pid := testkit.WaitPidFile(t, mark, hangGuard)
	cancel()
	select {
	case err := <-loaded:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("LoadContext after cancel: %v, want context.Canceled", err)
		}
	case <-time.After(hangGuard):
		t.Fatal("LoadContext did not return after cancel")
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("runner %d still there after the load was cancelled (kill 0: %v)", pid, err)
	}
	if _, err := os.Stat(mark + ".term"); err == nil {
		t.Errorf("the runner was sent TERM and waited for; a cancelled load kills it")
	}
}

// TestKillDoesNotWait: Kill stops a runner stuck in the app at once, without
// the SIGTERM and grace that Close gives it, and the call in flight fails.
func TestKillDoesNotWait(t *testing.T) {
	app := load(t, "apps:router", Options{})
	marker := filepath.Join(t.TempDir(), "stuck")
	called := make(chan error, 1)
	go func() {
		_, err := app.Call(request("GET", "/stubborn?"+marker, nil), func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, nil })
		called <- err
	}()
	waitFile(t, marker)
	pid := testkit.WaitPidFile(t, marker, hangGuard)
	app.Kill()
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("runner %d still there after Kill (kill 0: %v)", pid, err)
	}
	if _, err := os.Stat(marker + ".term"); err == nil {
		t.Errorf("Kill sent TERM and waited; it must kill at once")
	}
	select {
	case err := <-called:
		if err == nil {
			t.Error("the call in flight succeeded after Kill")
		}
	case <-time.After(hangGuard):
		t.Fatal("the call in flight did not return after Kill")
	}
	if _, err := app.Call(request("GET", "/echo", nil), nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Call after Kill: %v, want ErrClosed", err)
	}
}

// TestRunnerDeathSeenDespiteForkedChild: an app that forked a child (as
// multiprocessing does) and whose runner then dies fails only its request,
// and the next is served, while the child lives on. The child must not keep
// the runner's socket open, or Go never sees the runner go: runner.py closes
// it in forked children, and Go stops reading once the runner has exited
// even if a child holds a copy (the "hold" case).
func TestRunnerDeathSeenDespiteForkedChild(t *testing.T) {
	for _, hold := range []bool{false, true} {
		t.Run(map[bool]string{false: "fork", true: "child holds the socket"}[hold], func(t *testing.T) {
			app := load(t, "apps:router", Options{})
			marker := filepath.Join(t.TempDir(), "forked")
			t.Cleanup(func() { os.WriteFile(marker+".done", nil, 0o644) }) // the child may go
			query := marker
			if hold {
				query += "&hold"
			}
			called := make(chan response, 1)
			go func() { called <- do(t, app, request("GET", "/forker?"+query, nil)) }()
			runner := testkit.WaitPidFile(t, marker, hangGuard)
			if err := syscall.Kill(runner, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			select {
			case r := <-called:
				if !errors.Is(r.err, ErrRunnerDied) {
					t.Errorf("the call whose runner died: %v, want ErrRunnerDied", r.err)
				}
			case <-time.After(hangGuard):
				t.Fatal("the runner's death went unnoticed while its forked child lived")
			}
			if r := do(t, app, request("GET", "/echo", nil)); r.err != nil {
				t.Errorf("next request: %v", r.err)
			}
		})
	}
}
