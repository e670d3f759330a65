// Package appload turns an app spec from the command line into a wsgi.App.
//
// gunicorn takes one positional argument, the app: "module:callable". Our
// servers take the same, plus "go:NAME" for Go apps compiled into the binary
// (the commands hand in the examples of shared/examples/goapps), which need
// no Python at all and are handy to tell the server's cost from the app's:
//
//	app, closer, err := appload.Load("hello:app", pyapp.Options{Chdir: "shared/examples"}, goapps.All())
//	if err != nil {
//		return err // for Python: a *pyapp.LoadError, with the traceback
//	}
//	defer closer.Close() // stops the Python runners, if any
//
// The server above never learns which kind it got: both are a wsgi.App.
package appload
