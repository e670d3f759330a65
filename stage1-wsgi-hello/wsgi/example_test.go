package wsgi_test

import (
	"fmt"
	"io"
	"net/http"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// A server's side of the dance, reduced to its bones: call the app, send each
// chunk, close the body. Validate checks both sides keep the rules.
func ExampleValidate() {
	hello := wsgi.AppFunc(func(env *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
		if _, err := start("200 OK", []wsgi.Header{{Name: "Content-Type", Value: "text/plain"}}, nil); err != nil {
			return nil, err
		}
		return wsgi.Chunks([]byte("Hello, "), []byte("world!\n")), nil
	})
	app := wsgi.Validate(hello)

	env := &wsgi.Environ{
		Vars: []wsgi.Var{
			{Key: "REQUEST_METHOD", Value: "GET"}, {Key: "SCRIPT_NAME", Value: ""},
			{Key: "PATH_INFO", Value: "/"}, {Key: "QUERY_STRING", Value: ""},
			{Key: "SERVER_NAME", Value: "localhost"}, {Key: "SERVER_PORT", Value: "8000"},
			{Key: "SERVER_PROTOCOL", Value: "HTTP/1.1"},
		},
		Errors:    io.Discard,
		URLScheme: "http",
	}
	start := func(status string, headers []wsgi.Header, excInfo error) (wsgi.Write, error) {
		fmt.Println(status, headers)
		return func(p []byte) error { fmt.Print(string(p)); return nil }, nil
	}
	body, err := app.Call(env, start)
	if err != nil {
		fmt.Println("500:", err)
		return
	}
	for {
		chunk, err := body.Next()
		if err != nil {
			break // io.EOF, or the app failed mid-response
		}
		fmt.Print(string(chunk))
	}
	if err := body.Close(); err != nil {
		fmt.Println("close:", err)
	}
	fmt.Println("violations:", app.Err())

	// Forgetting Close is a server bug the Checker reports:
	if _, err := app.Call(env, start); err != nil {
		fmt.Println("500:", err)
	}
	fmt.Println(app.Err())
	// Output:
	// 200 OK [{Content-Type text/plain}]
	// Hello, world!
	// violations: <nil>
	// 200 OK [{Content-Type text/plain}]
	// wsgi: invalid: server: body never closed: request 2 (GET /)
}

// Any net/http handler becomes a WSGI app.
func ExampleFromHTTPHandler() {
	app := wsgi.FromHTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s from %s\n", r.Method, r.URL.Path, r.Host)
	}))
	env := &wsgi.Environ{
		Vars: []wsgi.Var{
			{Key: "REQUEST_METHOD", Value: "GET"}, {Key: "SCRIPT_NAME", Value: ""},
			{Key: "PATH_INFO", Value: "/hi"}, {Key: "QUERY_STRING", Value: ""},
			{Key: "SERVER_NAME", Value: "localhost"}, {Key: "SERVER_PORT", Value: "8000"},
			{Key: "SERVER_PROTOCOL", Value: "HTTP/1.1"}, {Key: "HTTP_HOST", Value: "example.test"},
		},
		Errors:    io.Discard,
		URLScheme: "http",
	}
	start := func(status string, headers []wsgi.Header, excInfo error) (wsgi.Write, error) {
		fmt.Println(status, headers)
		return func([]byte) error { return nil }, nil
	}
	body, err := app.Call(env, start)
	if err != nil {
		fmt.Println("500:", err)
		return
	}
	defer body.Close()
	for chunk, err := body.Next(); err == nil; chunk, err = body.Next() {
		fmt.Print(string(chunk))
	}
	// Output:
	// 200 OK [{Content-Length 26} {Content-Type text/plain; charset=utf-8}]
	// GET /hi from example.test
}
