// Command sketch is chapter 4's idea in one page: a master that starts N
// Python workers, gives each request to a free one, and replaces a worker
// that dies. The HTTP side is stage 2's server, the workers are stage 1's
// app runners; what is new is the loop at the end.
//
//	go run ./stage4-multi-worker/sketch -w 3 127.0.0.1:8000 stage4-multi-worker/sketch/testdata slow:app
package main

import (
	"context"
	"flag"
	"net"
	"os"
	"os/signal"
	"syscall"

	"gunicorn-go/stage1-wsgi-hello/pyapp"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
	"gunicorn-go/stage2-single-worker/logging"
	"gunicorn-go/stage2-single-worker/server"
)

var elog = logging.NewErrorLog(logging.NewOutput(os.Stderr), logging.Info)

// job is one request, on its way to whichever worker is free first.
type job struct {
	env   *wsgi.Environ
	start wsgi.StartResponse
	body  wsgi.Body
	err   error
	done  chan struct{} // closed once the worker has set body and err
}

func main() {
	n := flag.Int("w", 2, "how many workers")
	flag.Parse()
	if flag.NArg() != 3 {
		elog.Errorf("usage: sketch [-w N] ADDRESS DIR MODULE:APP")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", flag.Arg(0)) // the master binds, before any worker exists
	if err != nil {
		elog.Errorf("%v", err)
		os.Exit(1)
	}
	elog.Infof("Listening at: http://%s (%d)", ln.Addr(), os.Getpid())

	jobs := make(chan *job)          // every idle worker waits on it
	died := make(chan *pyapp.Worker) // news for the loop
	workers := map[*pyapp.Worker]bool{}
	spawn := func() {
		opts := pyapp.Options{Chdir: flag.Arg(1), OnStart: func(pid int) { elog.Infof("Booting worker with pid: %d", pid) }}
		w, err := pyapp.StartWorker(context.Background(), flag.Arg(2), opts)
		if err != nil {
			elog.Errorf("%v", err)
			os.Exit(4) // gunicorn's APP_LOAD_ERROR
		}
		workers[w] = true
		free := make(chan struct{}, 1) // a token: the runner is done with a request
		w.OnFree = func(*pyapp.Worker, *pyapp.Request) { free <- struct{}{} }
		go func() { // one request at a time
			for {
				select {
				case j := <-jobs:
					j.body, j.err = w.Call(j.env, j.start)
					close(j.done)
					<-free
				case <-w.Done(): // its process ended
					died <- w
					return
				}
			}
		}()
	}
	for range *n {
		spawn()
	}

	srv := &server.Server{ErrorLog: elog, App: wsgi.AppFunc(func(env *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
		j := &job{env: env, start: start, done: make(chan struct{})}
		jobs <- j // waits until a worker is free
		<-j.done
		return j.body, j.err
	})}
	go srv.Serve(ln)

	// The arbiter: wait for news, act on it, forever.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	for {
		select {
		case w := <-died:
			elog.Errorf("Worker (pid:%d) died: %s", w.Pid(), w.ExitStatus())
			delete(workers, w)
			spawn()
		case s := <-sigs:
			elog.Infof("Handling signal: %v", s)
			for w := range workers {
				w.Close() // it finishes the request it runs, then exits
			}
			elog.Infof("Shutting down: Master")
			return
		}
	}
}
