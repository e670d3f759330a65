// Command sketch is chapter 6's idea in one page: a server that replaces
// itself without closing its socket. At USR2 it starts its own binary
// again, hands the new process the listening socket as descriptor 3 and
// a pipe as descriptor 4, and waits for one byte on the pipe ("I serve").
// Then it stops accepting, finishes its requests and exits; the new
// process serves on the same socket, and no client is refused.
//
//	go build -o bin/sketch6 ./stage6-supervision/sketch
//	bin/sketch6 -b 127.0.0.1:8000 &
//	kill -USR2 $!
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

func main() {
	log.SetFlags(0)
	addr := flag.String("b", "127.0.0.1:8000", "where to listen: HOST:PORT")
	flag.Parse()
	pid := os.Getpid()
	ln, err := listen(*addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from pid %d\n", pid)
	})}
	go srv.Serve(ln)
	log.Printf("[%d] Listening at: http://%s", pid, ln.Addr())
	if os.Getenv("SKETCH_UPGRADE") == "1" {
		os.NewFile(4, "ready").Write([]byte{1}) // tell the old process: I serve
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR2, syscall.SIGTERM)
	for s := range sigs {
		if s == syscall.SIGUSR2 {
			child, err := upgrade(ln)
			if err != nil {
				log.Printf("[%d] upgrade failed, serving on: %v", pid, err)
				continue
			}
			log.Printf("[%d] the new process (pid %d) serves: stopping", pid, child)
		}
		srv.Shutdown(context.Background()) // stop accepting, finish what runs
		log.Printf("[%d] stopped", pid)
		return
	}
}

// listen takes the socket the old process handed over, as descriptor 3,
// if there is one; else it opens addr.
func listen(addr string) (net.Listener, error) {
	if os.Getenv("SKETCH_UPGRADE") == "1" {
		return net.FileListener(os.NewFile(3, "listener"))
	}
	return net.Listen("tcp", addr)
}

// upgrade starts this program again with ln as descriptor 3 and a pipe's
// write end as descriptor 4, and waits for the byte that says the new
// process serves. End of file instead means it died first: the pipe's
// last write end closed with it.
func upgrade(ln net.Listener) (pid int, err error) {
	f, err := ln.(*net.TCPListener).File() // a duplicate of the socket's descriptor
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	defer r.Close()
	exe, _ := os.Executable() // the binary this process runs, as it is named now
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), "SKETCH_UPGRADE=1")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{f, w} // descriptors 3 and 4 in the new process
	err = cmd.Start()
	w.Close() // only the new process holds the write end now
	if err != nil {
		return 0, err
	}
	if _, err := r.Read(make([]byte, 1)); err != nil {
		return 0, fmt.Errorf("the new process died before it served: %w", err)
	}
	return cmd.Process.Pid, nil
}
