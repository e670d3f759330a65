package pyapp

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gunicorn-go/shared/testkit"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// BenchmarkHelloRoundTrip measures one call of shared/examples/hello.py
// through one runner: encode, one write, the app, one write back, parse. It
// reports calls/s; the goal is 40,000 on a 2-core machine.
func BenchmarkHelloRoundTrip(b *testing.B) {
	app, env := helloApp(b)
	pid := app.Pids()[0]
	goCPU, pyCPU := cpuSelf(b), cpuOf(b, pid)
	for b.Loop() {
		callHello(b, app, env)
	}
	reportCPU(b, pid, goCPU, pyCPU)
}

// BenchmarkHelloParallel is BenchmarkHelloRoundTrip with about 64 goroutines
// calling at once through one runner, as a server under `wrk -c64` does: the
// requests are pipelined.
func BenchmarkHelloParallel(b *testing.B) {
	app, env := helloApp(b)
	pid := app.Pids()[0]
	goCPU, pyCPU := cpuSelf(b), cpuOf(b, pid)
	b.SetParallelism((64 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() { // env is only read: the calls share it
			callHello(b, app, env)
		}
	})
	reportCPU(b, pid, goCPU, pyCPU)
}

// BenchmarkLargeResponse measures answers larger than a response may keep
// in memory: apps:big's 4 MiB in 64 KiB chunks through a 256 KiB window, the
// rest spooled and read back, as a download to a slower client is. Pooled
// buffers for the chunks of 32 KiB and more, those read back from the spool
// included, took it from 7.1–7.8 ms and 4.2 MB allocated a call to 1.8–3.6
// ms and 7–51 KB (2026-12-02).
func BenchmarkLargeResponse(b *testing.B) {
	app := load(b, "apps:router", Options{ResponseMemory: 256 << 10})
	b.ReportAllocs()
	b.SetBytes(4 << 20)
	start := func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, nil }
	for b.Loop() {
		body, err := app.Call(request("GET", "/big?4&gen", nil), start)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			chunk, err := body.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += len(chunk)
		}
		body.Close()
		if n != 4<<20 {
			b.Fatalf("%d bytes, want %d", n, 4<<20)
		}
	}
}

// helloApp loads hello.py with one runner and builds a typical small GET, as
// curl sends it.
func helloApp(b testing.TB) (*App, *wsgi.Environ) {
	app := load(b, "hello:app", Options{Chdir: testkit.Example(b, "")})
	env := request("GET", "/", nil) // RAW_URI and REMOTE_ADDR included
	for _, v := range [][2]string{
		{"REMOTE_PORT", "50000"}, {"HTTP_USER_AGENT", "curl/7.88.1"}, {"HTTP_ACCEPT", "*/*"},
	} {
		env.Set(v[0], v[1])
	}
	if b, ok := b.(*testing.B); ok {
		b.ReportAllocs()
	}
	return app, env
}

// callHello makes one call and reads the whole body. It may run on any
// goroutine, so it reports failures with Error, not Fatal.
func callHello(b testing.TB, app *App, env *wsgi.Environ) {
	start := func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, nil }
	body, err := app.Call(env, start)
	if err != nil {
		b.Error(err)
		return
	}
	for {
		if _, err := body.Next(); err == io.EOF {
			break
		} else if err != nil {
			b.Error(err)
			break
		}
	}
	if err := body.Close(); err != nil {
		b.Error(err)
	}
}

// TestCallAllocations: a call of hello.py allocates only what it hands
// out or must keep: the call, its head's text and headers, its body chunk
// and the list holding it. Every other allocation on this path is a
// regression (they cost the master a garbage collection every 2,000
// requests, and each one scans every idle connection's stack). It counts
// what every goroutine allocates, the reader's included.
func TestCallAllocations(t *testing.T) {
	app, env := helloApp(t)
	callHello(t, app, env) // the reader's buffers grow once
	const most = 5
	if n := testing.AllocsPerRun(200, func() { callHello(t, app, env) }); n > most {
		t.Errorf("a call allocates %.1f times, want at most %d", n, most)
	}
}

// reportCPU reports calls/s and the CPU time each side spent per call: wall
// time hides it when both sides run at once.
func reportCPU(b *testing.B, pid int, goCPU, pyCPU time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	b.ReportMetric((cpuSelf(b)-goCPU).Seconds()*1e6/float64(b.N), "go-cpu-µs/call")
	b.ReportMetric((cpuOf(b, pid)-pyCPU).Seconds()*1e6/float64(b.N), "py-cpu-µs/call")
}

// cpuSelf returns the CPU time (user and system) this process used so far.
func cpuSelf(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuOf returns the CPU time process pid used so far, from /proc/PID/stat
// (Linux; in clock ticks of 10 ms).
func cpuOf(b *testing.B, pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the ")" that ends the command name: utime and stime are
	// the 12th and 13th.
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	utime, err1 := strconv.Atoi(fields[11])
	stime, err2 := strconv.Atoi(fields[12])
	if err1 != nil || err2 != nil {
		b.Fatalf("parse /proc/%d/stat: %q", pid, data)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
