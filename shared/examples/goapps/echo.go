package goapps

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// Echo answers with what the server gave it, for tests to check:
//
//	HTTP_HOST=127.0.0.1:8000      every environ variable, sorted by key
//	PATH_INFO=/x
//	...
//	wsgi.url_scheme=http
//	                              a blank line
//	<the request body, as read from wsgi.input>
//
// It reads the whole body first, so the answer has a Content-Length.
func Echo(env *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
	var input []byte
	if env.Input != nil {
		var err error
		if input, err = io.ReadAll(env.Input); err != nil {
			return nil, fmt.Errorf("echo: read wsgi.input: %w", err)
		}
	}
	vars := append([]wsgi.Var(nil), env.Vars...)
	sort.SliceStable(vars, func(i, j int) bool { return vars[i].Key < vars[j].Key })

	var b strings.Builder
	for _, v := range vars {
		fmt.Fprintf(&b, "%s=%s\n", v.Key, v.Value)
	}
	fmt.Fprintf(&b, "wsgi.url_scheme=%s\n\n", env.URLScheme)
	b.Write(input)

	_, err := start("200 OK", []wsgi.Header{
		{Name: "Content-Type", Value: "text/plain; charset=utf-8"},
		{Name: "Content-Length", Value: strconv.Itoa(b.Len())},
	}, nil)
	if err != nil {
		return nil, err
	}
	return wsgi.Chunks([]byte(b.String())), nil
}
