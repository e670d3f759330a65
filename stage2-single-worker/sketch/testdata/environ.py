"""A test app for the sketch: it answers with the environ keys a server
fills from the request, one per line, and fails on /fail."""

KEYS = ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "SERVER_PROTOCOL",
        "CONTENT_TYPE", "HTTP_X_NAME", "HTTP_HOST")


def app(environ, start_response):
    if environ["PATH_INFO"] == "/fail":
        raise RuntimeError("the app failed on purpose")
    body = "".join("%s=%s\n" % (k, environ.get(k)) for k in KEYS).encode()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]
