package appload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"gunicorn-go/stage1-wsgi-hello/pyapp"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// GoPrefix marks a spec naming a Go app: "go:hello".
const GoPrefix = "go:"

// ErrUnknownGoApp is returned for "go:NAME" when there is no such Go app; the
// message lists the names there are.
var ErrUnknownGoApp = errors.New("unknown Go app")

// GoApps are the Go apps a "go:NAME" spec may name, by NAME. The commands
// hand them in (the examples in shared/examples/goapps), so that this
// package, which every stage imports, depends on no example.
type GoApps map[string]wsgi.App

// IsGo reports whether spec names a Go app, and which.
func IsGo(spec string) (name string, ok bool) {
	return strings.CutPrefix(spec, GoPrefix)
}

// Load returns the app spec names and what stops it:
//
//   - "go:NAME": goApps[NAME]; the Closer does nothing. An unknown NAME is
//     ErrUnknownGoApp.
//   - anything else: a Python app loaded by pyapp.Load with opts; the Closer
//     stops its runner. Errors are pyapp's (a *pyapp.LoadError when the app
//     cannot be loaded).
func Load(spec string, opts pyapp.Options, goApps GoApps) (wsgi.App, io.Closer, error) {
	return LoadContext(context.Background(), spec, opts, goApps)
}

// LoadContext is Load giving up when ctx is done (see pyapp.LoadContext).
func LoadContext(ctx context.Context, spec string, opts pyapp.Options, goApps GoApps) (wsgi.App, io.Closer, error) {
	if name, ok := IsGo(spec); ok {
		app, err := goApps.Lookup(name)
		if err != nil {
			return nil, nil, err
		}
		return app, nopCloser{}, nil
	}
	app, err := pyapp.LoadContext(ctx, spec, opts)
	if err != nil {
		return nil, nil, err
	}
	return app, app, nil
}

// Lookup returns the Go app called name, or ErrUnknownGoApp listing the
// names there are.
func (g GoApps) Lookup(name string) (wsgi.App, error) {
	app, found := g[name]
	if !found {
		names := slices.Sorted(maps.Keys(g))
		return nil, fmt.Errorf("%w %q (there are: %s)", ErrUnknownGoApp, name, strings.Join(names, ", "))
	}
	return app, nil
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }
