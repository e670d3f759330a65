// Package lifecycle is the life of a stage 2 server process, from start to
// exit: open the logs, bind, load the app, serve, and stop on a signal, with
// gunicorn's log lines and exit codes.
//
//	cfg := lifecycle.Config{Bind: "127.0.0.1:8000", App: "hello:app", Chdir: "shared/examples"}
//	os.Exit(lifecycle.Run(cfg))
//
// It is apart from package server, which serves a wsgi.App on a listener and
// knows nothing of processes, signals or Python, because this is the part
// stage 4 replaces: its arbiter runs the same server in front of many
// supervised workers, with a loop of its own, and reuses the pieces here
// (Logs, NewServer, AppOptions, ApplyEnv, SignalName, the exit codes).
//
// Signals only enqueue: a handler writes to a channel, and whichever step
// the process is at (binding, loading the app, serving) takes them in turn.
// A stop while a slow app loads abandons the load; HUP, TTIN, TTOU and USR2,
// which gunicorn's master uses to manage its workers, are logged and
// ignored, since one worker has nothing to manage.
package lifecycle
