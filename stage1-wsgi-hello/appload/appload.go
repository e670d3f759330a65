package appload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"gunicorn-go/shared/examples/goapps"
	"gunicorn-go/stage1-wsgi-hello/pyapp"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// GoPrefix marks a spec naming a Go example app: "go:hello".
const GoPrefix = "go:"

// ErrUnknownGoApp is returned for "go:NAME" when there is no such Go app; the
// message lists the names there are.
var ErrUnknownGoApp = errors.New("unknown Go app")

// Load returns the app spec names and what stops it:
//
//   - "go:NAME": the Go example app NAME (goapps.Lookup); the Closer does
//     nothing. An unknown NAME is ErrUnknownGoApp.
//   - anything else: a Python app loaded by pyapp.Load with opts; the Closer
//     stops its runners. Errors are pyapp's (a *pyapp.LoadError when the app
//     cannot be loaded).
func Load(spec string, opts pyapp.Options) (wsgi.App, io.Closer, error) {
	return LoadContext(context.Background(), spec, opts)
}

// LoadContext is Load giving up when ctx is done (see pyapp.LoadContext).
func LoadContext(ctx context.Context, spec string, opts pyapp.Options) (wsgi.App, io.Closer, error) {
	if name, ok := strings.CutPrefix(spec, GoPrefix); ok {
		app, found := goapps.Lookup(name)
		if !found {
			return nil, nil, fmt.Errorf("%w %q (there are: %s)", ErrUnknownGoApp, name, strings.Join(goapps.Names(), ", "))
		}
		return app, nopCloser{}, nil
	}
	app, err := pyapp.LoadContext(ctx, spec, opts)
	if err != nil {
		return nil, nil, err
	}
	return app, app, nil
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }
