// Package server is stage 2's worker: an HTTP/1.1 server that turns each
// request into a WSGI call and the app's answer into a response, one
// goroutine per connection.
//
// # A request's path through the server
//
//	accept ─▶ conn.serve ─▶ waitForRequest ─▶ http1.ReadRequest ─▶ read the body
//	      ─▶ buildEnviron ─▶ App.Call ─▶ start_response checks ─▶ frame and write
//	      ─▶ access log ─▶ next request on the same connection, or close
//
// Go reads the whole request, head and body, before it calls the app. A slow
// client then holds a cheap goroutine, never a Python process, which is what
// gunicorn needs nginx in front of its sync workers for. Bodies up to
// SpoolThreshold (1 MiB) stay in memory; larger ones are written to a
// temporary file as they arrive, so memory stays bounded however large the
// upload, and an app runner hands Python the bytes or the file's name
// (wsgi.InputBuffer). A client that sent "Expect: 100-continue" is told to go
// ahead as soon as the server is ready to read its body, unless the body is
// larger than LimitRequestBody (413): the app never waits for a client.
//
// # Responses
//
// The app's status and headers are checked before anything is written: a
// status that is not "NNN Reason", a header value holding CR or LF, a body
// longer than its Content-Length are app errors, answered with a plain 500
// (or, once the head is out, a closed connection), never bytes a client
// could misread. The server adds Server, Date and Connection and picks the
// framing: the app's Content-Length, else chunked on HTTP/1.1, else the end
// of the connection on HTTP/1.0. HEAD, 1xx, 204 and 304 carry no body.
//
// Responses are buffered and written when the server is about to wait for
// the client, so pipelined requests that arrived together are answered
// with one write, while a streaming body is sent chunk by chunk.
//
// # Stopping
//
// Shutdown is TERM: the listeners close, idle keep-alive connections close,
// requests in flight finish with "Connection: close". Close is INT and QUIT:
// everything closes at once. The server knows nothing of signals, processes
// or Python: package lifecycle (stage 2) and the arbiter (stage 4) run it.
//
//	srv := &server.Server{App: app, ErrorLog: elog}
//	go srv.Serve(ln)
//	...
//	srv.Shutdown(ctx)
package server
