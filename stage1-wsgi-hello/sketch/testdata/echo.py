"""A test app for the sketch: it prints (which must not reach the answer),
uses the legacy write() and a generator, and echoes the request."""


def app(environ, start_response):
    print("a print() from the app")
    write = start_response("200 OK", [("Content-Type", "text/plain"), ("X-Echo", "yes")])
    write(b"write() first\n")
    yield ("%s %s ?%s\n" % (environ["REQUEST_METHOD"], environ["PATH_INFO"], environ["QUERY_STRING"])).encode()
    yield environ["wsgi.url_scheme"].encode()
