// Package goapps holds the Go example apps every stage's server is tested
// with, each a wsgi.App reachable by name:
//
//	app, ok := goapps.Lookup("echo")
//
// They are small on purpose; each one exercises one part of a server:
//
//   - hello: the seed's fixed page, with a Content-Length;
//   - echo: shows the environ the server built and the request body it read,
//     so a test can see exactly what reached the app;
//   - stream: a body in chunks without a Content-Length (chunked encoding),
//     optionally slow, optionally started lazily like a Python generator;
//   - slow: answers after a pause (graceful shutdown waits for it);
//   - crash: fails before the response starts (the server answers 500) or
//     in the middle of it (the server cuts the connection);
//   - nethttp: a net/http handler served through wsgi.FromHTTPHandler.
//
// Parameters come from the query string (?n=3&sleep=10); a bad one gets
// 400 Bad Request. Tests run them through wsgi.Validate, so a server under
// test that breaks a PEP 3333 rule fails there, not in production.
package goapps
