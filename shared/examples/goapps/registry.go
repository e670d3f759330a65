package goapps

import (
	"sort"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// apps maps each example's name to the app.
var apps = map[string]wsgi.App{
	"hello":   wsgi.AppFunc(Hello),
	"echo":    wsgi.AppFunc(Echo),
	"stream":  wsgi.AppFunc(Stream),
	"slow":    wsgi.AppFunc(Slow),
	"crash":   wsgi.AppFunc(Crash),
	"nethttp": NetHTTP,
}

// All returns every example app by name, for the commands to hand to
// appload (a fresh map: the caller may change it).
func All() map[string]wsgi.App {
	all := make(map[string]wsgi.App, len(apps))
	for name, app := range apps {
		all[name] = app
	}
	return all
}

// Lookup returns the example app called name, and whether there is one.
func Lookup(name string) (wsgi.App, bool) {
	app, ok := apps[name]
	return app, ok
}

// Names returns the examples' names, sorted.
func Names() []string {
	names := make([]string, 0, len(apps))
	for name := range apps {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
