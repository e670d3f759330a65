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
// sleeping process costs more than a small request. BenchmarkHelloRoundTrip
// measures it: about 50,000 calls/s through one runner on 2 vCPUs. The streaming
// cases stay right: a generator's chunks reach Body.Next one by one, and
// Body.Close before the end cancels the app (its iterable's close() is called).
//
// Failure is contained: a module that does not import is an error from Load
// with the traceback, interpreter and sys.path; an exception in the app is an
// *AppError from Call or Body.Next; a runner that dies fails only the request
// it was serving (ErrRunnerDied) and a fresh one serves the next.
package pyapp
