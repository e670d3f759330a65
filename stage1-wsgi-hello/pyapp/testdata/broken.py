"""A module that fails while being imported, for pyapp's load-error tests."""

ratio = 1 / 0


def app(environ, start_response):
    start_response("200 OK", [])
    return [b"unreachable"]
