// Package pyapp runs a Python WSGI app and makes it a wsgi.App.
//
// Go cannot call Python in-process without cgo and a global interpreter lock,
// so, like gunicorn's workers, the Python code runs in child processes: app
// runners. Each runner is `python3 -c …` executing runner.py (embedded in the
// binary), which imports the app with gunicorn's syntax and then serves one
// request at a time over a unix socketpair given to it as fd 3. Its stdout and
// stderr stay free for the app's own print()s.
//
//	app, err := pyapp.Load("hello:app", pyapp.Options{Chdir: "examples"})
//	if err != nil {
//		log.Fatal(err) // a *LoadError: missing module, attribute…
//	}
//	defer app.Close()
//	body, err := app.Call(env, startResponse) // wsgi.App
//
// A request travels as one frame holding the environ in Python's marshal
// format, which the runner turns into a dict with a single C call; the answer
// comes back as frames (head, body chunks, end) that Go reads through one
// buffered reader. protocol.go describes the frames, marshal.go the encoding.
// What the design buys: one write per message each way, no parsing in Python,
// responses whose body is a list sent whole with the head, and, on both sides,
// a few microseconds of polling before sleeping (conn.go), because waking a
// sleeping process costs more than a small request. The streaming cases stay
// right: a generator's chunks reach Body.Next one by one, and Body.Close
// before the end cancels the app (its iterable's close() is called).
//
// Under load, requests are pipelined (pipeline.go): a Call writes its request
// to a runner at once, even if the runner is busy, and waits for its turn to
// read the answer. Strict ping-pong (write, wait, read) would leave each side
// idle while the other works, and put both to sleep and wake them again for
// every request; with requests queued in its socket the runner goes from one
// to the next without waiting, and one recv brings several. Answers come back
// in order, so there is no reader goroutine: the oldest Call reads the
// socket itself and, once its answer is complete, hands the reader to the
// next (the read baton). Calls prefer an idle runner, so a slow request
// delays the others only when every runner is busy. BenchmarkHelloRoundTrip
// measures one call at a time, about 50,000 calls/s through one runner on 2
// vCPUs; BenchmarkHelloParallel 64 at once, about 84,000 calls/s.
//
// Failure is contained: a module that does not import is an error from Load
// with the traceback, interpreter and sys.path; an exception in the app is an
// *AppError from Call or Body.Next; a runner that dies fails only the request
// it was serving (ErrRunnerDied): the requests queued behind it had not
// started, and a fresh runner serves them.
//
// Stopping: Close asks each runner to finish (its socket closes, then TERM,
// then KILL, a couple of seconds apart); Kill kills at once, for a server
// stopping now or whose graceful timeout ran out; LoadContext gives up a slow
// import when its context ends.
package pyapp
