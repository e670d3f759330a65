package goapps

import (
	"fmt"
	"net/http"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// NetHTTP is an ordinary net/http handler served as a WSGI app through
// wsgi.FromHTTPHandler: it answers "hello from net/http\n".
var NetHTTP = wsgi.FromHTTPHandler(http.HandlerFunc(helloNetHTTP))

func helloNetHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, "hello from net/http\n")
}
