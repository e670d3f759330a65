package goapps

import (
	"fmt"
	"net/url"
	"strconv"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// queryInt reads the non-negative integer parameter key from the request's
// query string, or def when it is absent.
func queryInt(env *wsgi.Environ, key string, def int) (int, error) {
	query, err := parseQuery(env)
	if err != nil {
		return 0, err
	}
	if !query.Has(key) {
		return def, nil
	}
	n, err := strconv.Atoi(query.Get(key))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("query parameter %s=%q: want a number from 0 up", key, query.Get(key))
	}
	return n, nil
}

// badRequest answers 400 with why.
func badRequest(start wsgi.StartResponse, why error) (wsgi.Body, error) {
	return text(start, "400 Bad Request", why.Error()+"\n")
}

// text answers status with a plain-text body and its length.
func text(start wsgi.StartResponse, status, body string) (wsgi.Body, error) {
	_, err := start(status, []wsgi.Header{
		{Name: "Content-Type", Value: "text/plain; charset=utf-8"},
		{Name: "Content-Length", Value: strconv.Itoa(len(body))},
	}, nil)
	if err != nil {
		return nil, err
	}
	return wsgi.Chunks([]byte(body)), nil
}

// parseQuery parses the request's QUERY_STRING.
func parseQuery(env *wsgi.Environ) (url.Values, error) {
	raw, _ := env.Get("QUERY_STRING")
	query, err := url.ParseQuery(raw)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", raw, err)
	}
	return query, nil
}
