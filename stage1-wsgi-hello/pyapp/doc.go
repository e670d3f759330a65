// Package pyapp runs a Python WSGI app and makes it a wsgi.App.
//
// Go cannot call Python in-process without cgo and a global interpreter lock,
// so the Python code runs in child processes: app runners, gunicorn's
// workers. Each runner is `python3 -c …` executing runner.py (embedded in the
// binary), which imports the app with gunicorn's syntax and then runs the
// requests Go sends it over a unix socketpair given to it as fd 3. Its stdout
// and stderr stay free for the app's own print()s.
//
//	app, err := pyapp.Load("hello:app", pyapp.Options{Chdir: "examples"})
//	if err != nil {
//		log.Fatal(err) // a *LoadError: missing module, attribute…
//	}
//	defer app.Close()
//	body, err := app.Call(env, startResponse) // wsgi.App
//
// # Workers and the App
//
// A Worker is one runner process. It runs up to Options.Threads requests at
// once (the runner's main thread runs the app itself when there is one; with
// more, it hands each request to a pool of Python threads, as gunicorn's
// gthread worker does), and it gives whoever supervises it what that needs:
// its pid, how busy it is, how long its oldest request has run, a ping, the
// traceback of its threads, and ways to stop it. An App is one Worker,
// replaced when it dies, with the requests beyond Threads waiting their turn:
// what stages 1 to 3 serve with. Stage 4's arbiter runs many Workers itself.
//
// # The protocol
//
// A request travels as one frame holding the environ in Python's marshal
// format, which the runner turns into a dict with a single C call; the answer
// comes back as frames (head, body chunks, end), each carrying the request's
// id, so that the answers of requests running at once on several threads can
// interleave. protocol.go describes the frames, marshal.go the encoding. What
// the design buys: one write per message each way, no parsing in Python,
// responses whose body is a list sent whole with the head, and, on both sides,
// a few microseconds of polling before sleeping (conn.go), because waking a
// sleeping process costs more than a small request.
//
// # Nothing waits for a client
//
// A goroutine per Worker reads every frame the runner writes as soon as it is
// written, and keeps each response (in memory, then in spool files) until
// the server takes it (call.go). A client that reads slowly, or not at all,
// therefore never holds a Python thread: the app's thread is free as soon as
// the app has produced its answer. Both are bounded: the memory by Budget,
// the disk all responses' spool files take by SpoolBudget (ResponseSpool, a
// gigabyte by default). Only when a response has filled its memory and no
// disk is left does the app wait for the client, and a warning says so. Request bodies arrive whole too
// (wsgi.InputBuffer: in the request, or as the name of the file the server
// spooled them to).
//
// # Failure
//
// Failure is contained: a module that does not import is an error from Load
// with the traceback, interpreter and sys.path; an exception in the app is an
// *AppError from Call or Body.Next; a runner that dies fails the requests it
// was running (ErrRunnerDied, a wsgi.ErrBadGateway), and the App starts a
// fresh one for the next. Stopping: Close asks the runner to finish (its
// socket closes, then KILL after a couple of seconds); Kill kills at once;
// LoadContext gives up a slow import when its context ends. A runner ignores
// the signals meant for the master, and dies with it (PR_SET_PDEATHSIG).
package pyapp
