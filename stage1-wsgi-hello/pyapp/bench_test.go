package pyapp

import (
	"bytes"
	"fmt"
	"io"
	"os"
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
	app, err := Load("hello:app", Options{Python: python(b), Chdir: testkit.Example(b, "")})
	if err != nil {
		b.Fatal(err)
	}
	defer app.Close()
	// A typical small GET, as curl sends it.
	env := request("GET", "/", nil)
	for _, v := range [][2]string{
		{"RAW_URI", "/"}, {"REMOTE_ADDR", "127.0.0.1"}, {"REMOTE_PORT", "50000"},
		{"HTTP_USER_AGENT", "curl/7.88.1"}, {"HTTP_ACCEPT", "*/*"},
	} {
		env.Set(v[0], v[1])
	}
	start := func(string, []wsgi.Header, error) (wsgi.Write, error) { return nil, nil }
	b.ReportAllocs()
	pid := app.Pids()[0]
	goCPU, pyCPU := cpuSelf(b), cpuOf(b, pid)
	for b.Loop() {
		body, err := app.Call(env, start)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := body.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		if err := body.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	// Where the CPU goes: wall time hides it when both sides run at once.
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
