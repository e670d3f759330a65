package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// helloEnv, set to an address such as 127.0.0.1:0, makes this binary (or the
// test binary, from TestMain) serve the hello app with net/http there instead
// of running the benchmark: the net/http contender is a process of its own.
const helloEnv = "GUNICORN_GO_BENCH_HELLO"

// helloBody and helloType are what shared/examples/hello.py answers; the
// bench test checks the two servers agree, byte for byte.
const (
	helloBody = "<html>Hello, world!</html>"
	helloType = "text/html"
)

// serveHello serves the hello response on addr until SIGTERM or SIGINT,
// announcing the bound address the way gunicorn does on log.
func serveHello(addr string, log io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	body := []byte(helloBody)
	length := strconv.Itoa(len(body))
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", helloType)
			w.Header().Set("Content-Length", length)
			w.Write(body) // a write error means the client left: nothing to do
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	shutdown := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shutdown <- srv.Shutdown(sctx)
	}()
	fmt.Fprintf(log, "Listening at: http://%s (%d)\n", ln.Addr(), os.Getpid())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	}
	if err := <-shutdown; err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}
