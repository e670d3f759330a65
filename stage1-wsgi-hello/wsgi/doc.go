// Package wsgi is PEP 3333, the Web Server Gateway Interface, in Go: the one
// contract between gunicorn-go's servers and the applications they serve.
//
// # The dance
//
// A WSGI server turns each HTTP request into an environ and calls the app once.
// In Python that is
//
//	body = app(environ, start_response)
//
// and here it is
//
//	body, err := app.Call(environ, startResponse)
//
// The steps are the same, and so are their rules:
//
//  1. The app calls startResponse("200 OK", headers, nil). Nothing goes to
//     the client yet: the server only remembers the status and headers.
//  2. The app returns a Body, the Python iterable. The server calls Next
//     until io.EOF and sends each chunk as it comes, so a Body can stream.
//     The headers leave just before the first non-empty chunk, which is why
//     an app may call startResponse as late as its first Next (a Python
//     generator does exactly that), but never after yielding bytes.
//  3. Until the headers have left, an app that hit an error may call
//     startResponse again with the error as excInfo, replacing the response
//     (a 500 page, say). Once they have left, that call returns an error
//     wrapping ErrHeadersSent and excInfo (Python re-raises), and the app must
//     give up; the server can then only cut the connection.
//  4. The server calls Body.Close exactly once, however the response ended:
//     completed, failed, or the client went away. That is where an app
//     releases what the request held (a database connection, a file).
//
// An error from Call or Next is an exception raised by the app: before the
// headers left the server answers 500 Internal Server Error, after it closes
// the connection. startResponse also returns the legacy write() callable, for
// old apps that push bytes instead of returning them; its first call sends
// the headers.
//
// # Why Environ.Vars is a list
//
// Python's environ is a dict. Ours keeps the CGI variables (REQUEST_METHOD,
// PATH_INFO, HTTP_HOST…) as an ordered list of pairs: the server appends them
// in the order it parses the request, an app runner streams them to Python in
// that order, and reusing the slice for the next request allocates nothing.
// Requests carry a few dozen keys, so Get's linear search beats a map. The
// wsgi.* keys are typed fields (Input, Errors, URLScheme…).
//
// # One interface, three kinds of app
//
// Everything a server can serve is an App:
//
//   - a Go app, a function made an App with AppFunc;
//   - a net/http handler, adapted by FromHTTPHandler, which builds the
//     *http.Request from the environ (NewRequest) and turns what the handler
//     writes into start_response and chunks;
//   - a Python app (Flask, Django…), run by an app runner (package pyapp)
//     whose App sends the environ to a Python process and streams back what
//     the real start_response and iterable gave.
//
// The server never needs to know which one it serves.
//
// # Checking the rules
//
// Validate wraps an App in a Checker, the twin of Python's wsgiref.validate:
// it checks the environ the server built, the status and headers the app gave
// (CheckEnviron, CheckStatus, CheckHeaders do this on their own too), the order
// of the dance on both sides, and that every Body was closed. Tests of apps
// and servers wrap the app and finally call Checker.Err.
//
// # A first app
//
//	hello := wsgi.AppFunc(func(env *wsgi.Environ, start wsgi.StartResponse) (wsgi.Body, error) {
//		body := []byte("<html>Hello, world!</html>")
//		_, err := start("200 OK", []wsgi.Header{
//			{Name: "Content-Type", Value: "text/html"},
//			{Name: "Content-Length", Value: strconv.Itoa(len(body))},
//		}, nil)
//		if err != nil {
//			return nil, err
//		}
//		return wsgi.Chunks(body), nil
//	})
package wsgi
