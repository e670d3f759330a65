package goapps

import "gunicorn-go/stage1-wsgi-hello/wsgi"

// helloBody is the seed's page.
const helloBody = "<html>Hello, world!</html>"

// Hello answers every request with the seed's page: 200 OK, text/html,
// Content-Length 26.
func Hello(env *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
	_, err := start("200 OK", []wsgi.Header{
		{Name: "Content-Type", Value: "text/html"},
		{Name: "Content-Length", Value: "26"},
	}, nil)
	if err != nil {
		return nil, err
	}
	return wsgi.Chunks([]byte(helloBody)), nil
}
