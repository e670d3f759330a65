// Command sketch is chapter 5's idea in one page: a listening socket is a
// file descriptor, wherever it comes from. It opens TCP ports and unix
// socket files, or takes the sockets a service manager passed it as
// descriptors 3, 4… (systemd's LISTEN_FDS), and answers on all of them
// alike, saying which socket a request came through.
//
//	go build -o bin/sketch5 ./stage5-bind-unix-sockets/sketch
//	bin/sketch5 -b 127.0.0.1:8000 -b unix:bin/sketch.sock
//	curl --unix-socket bin/sketch.sock http://localhost/
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

// binds is the repeatable -b flag.
type binds []string

func (b *binds) String() string     { return strings.Join(*b, ", ") }
func (b *binds) Set(v string) error { *b = append(*b, v); return nil }

func main() {
	log.SetFlags(0)
	var where binds
	flag.Var(&where, "b", "where to listen: HOST:PORT or unix:PATH; repeat for more")
	flag.Parse()
	lns, err := listen(where)
	if err != nil {
		log.Fatal(err)
	}
	for _, ln := range lns {
		fmt.Printf("Listening at: %s\n", name(ln))
		go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "hello through %s, from %q\n", name(ln), r.RemoteAddr)
		}))
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	for _, ln := range lns {
		ln.Close() // a unix socket's file goes with it
	}
}

// listen takes the sockets systemd passed, if it passed some to this
// process; else it opens each bind: HOST:PORT, or unix:PATH.
func listen(where []string) ([]net.Listener, error) {
	var lns []net.Listener
	if os.Getenv("LISTEN_PID") == strconv.Itoa(os.Getpid()) {
		n, err := strconv.Atoi(os.Getenv("LISTEN_FDS"))
		if err != nil {
			return nil, fmt.Errorf("LISTEN_FDS: %w", err)
		}
		for fd := 3; fd < 3+n; fd++ {
			ln, err := net.FileListener(os.NewFile(uintptr(fd), "systemd's"))
			if err != nil {
				return nil, fmt.Errorf("descriptor %d: %w", fd, err)
			}
			lns = append(lns, ln)
		}
		return lns, nil
	}
	for _, b := range where {
		network, address := "tcp", b
		if path, ok := strings.CutPrefix(b, "unix:"); ok {
			network, address = "unix", path
			os.Remove(path) // a file left by a server that died, we hope
		}
		ln, err := net.Listen(network, address)
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// name is a listener as gunicorn's start-up line names it.
func name(ln net.Listener) string {
	if ln.Addr().Network() == "unix" {
		return "unix:" + ln.Addr().String()
	}
	return "http://" + ln.Addr().String()
}
