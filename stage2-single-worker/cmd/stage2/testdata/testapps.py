"""WSGI apps served by stage 2's end-to-end tests, as "testapps:NAME".

Each is the smallest app that puts one server behaviour to the test.
"""
import hashlib
import os
import signal
import sys
import time
from urllib.parse import parse_qs
from wsgiref.validate import validator


def _query(environ, name, default=""):
    return parse_qs(environ.get("QUERY_STRING", "")).get(name, [default])[0]


def _read_all(stream):
    # read(n) with one argument only: wsgiref's validator refuses read().
    blocks = []
    while True:
        block = stream.read(65536)
        if not block:
            return b"".join(blocks)
        blocks.append(block)


def upload(environ, start_response):
    """Reads wsgi.input in 64 KiB blocks; answers "BYTES SHA256"."""
    digest = hashlib.sha256()
    size = 0
    read = environ["wsgi.input"].read
    while True:
        block = read(65536)
        if not block:
            break
        size += len(block)
        digest.update(block)
    body = ("%d %s\n" % (size, digest.hexdigest())).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _echo(environ, start_response):
    """The environ's str values as sorted KEY=VALUE lines, an empty line, the
    body. ?stream=1 answers without Content-Length, one chunk per line."""
    data = _read_all(environ["wsgi.input"])
    lines = sorted("%s=%s\n" % (k, v) for k, v in environ.items() if isinstance(v, str))
    chunks = [line.encode("latin-1") for line in lines] + [b"\n", data]
    headers = [("Content-Type", "text/plain; charset=latin-1")]
    if _query(environ, "stream"):
        start_response("200 OK", headers)
        return iter(chunks)
    body = b"".join(chunks)
    start_response("200 OK", headers + [("Content-Length", str(len(body)))])
    return [body]


# The echo app wrapped in wsgiref's validator: any PEP 3333 slip by the server
# (or the app) raises AssertionError or warns.
validated = validator(_echo)


def crash(environ, start_response):
    """Raises before start_response."""
    raise ValueError("testapps crash before the response")


def crash_after(environ, start_response):
    """Sends a first chunk, then raises."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    yield b"first chunk\n"
    raise ValueError("testapps crash after the first chunk")


def slow(environ, start_response):
    """Sleeps ?ms= milliseconds (default 1500), then answers "slow done"."""
    time.sleep(int(_query(environ, "ms", "1500")) / 1000)
    body = b"slow done\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def stubborn(environ, start_response):
    """Never answers, and ignores TERM. It writes its pid to the file ?mark=
    names, and "term" to that name plus ".term" if it gets a SIGTERM, so that a
    test can tell a kill from a polite stop."""
    mark = _query(environ, "mark")

    def term(signum, frame):
        with open(mark + ".term", "w") as f:
            f.write("term")

    signal.signal(signal.SIGTERM, term)
    with open(mark + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(mark + ".tmp", mark)
    parent = os.getppid()
    while os.getppid() == parent:  # a killed test leaves no orphan
        time.sleep(0.01)


def status(environ, start_response):
    """Answers with ?code= (default 200) and a body, which the server must
    drop for 204 and 304; with ?length=, that Content-Length too."""
    code = _query(environ, "code", "200")
    headers = [("Content-Type", "text/plain")]
    if _query(environ, "length"):
        headers.append(("Content-Length", _query(environ, "length")))
    start_response(code + " Test", headers)
    return [b"a body the server must drop for 204 and 304\n"]


def padded(environ, start_response):
    """Header values with the spaces around them that Django's Set-Cookie has."""
    start_response("200 OK", [("Content-Type", " text/plain "), ("Set-Cookie", " a=1; Path=/"),
                              ("X-Tabbed", "\tvalue\t")])
    return [b"ok"]


def own_headers(environ, start_response):
    """Names itself in a Server header and dates its answer in 2001: the
    server keeps the app's Server and its own Date, one of each."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Server", "myapp/1.0"),
                              ("Date", "Mon, 01 Jan 2001 00:00:00 GMT")])
    return [b"mine\n"]


def chatty(environ, start_response):
    """Writes a line to wsgi.errors, one to stdout and one to stderr."""
    environ["wsgi.errors"].write("to wsgi.errors\n")
    # One write a line: under PYTHONUNBUFFERED, print() writes the text and
    # its newline apart, and the server's own wsgi.errors line, written to
    # the same stderr by another process, could land between them.
    sys.stdout.write("to stdout\n")
    sys.stdout.flush()
    sys.stderr.write("to stderr\n")
    sys.stderr.flush()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"said\n"]


def forever(environ, start_response):
    """/ping answers "pong"; any other path streams chunks without end, as
    an event feed does."""
    if environ["PATH_INFO"] == "/ping":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"pong"]

    def stream():
        while True:
            yield b"event\n"
            time.sleep(0.001)

    start_response("200 OK", [("Content-Type", "text/event-stream")])
    return stream()


def logged(environ, start_response):
    """What accesslog_gunicorn_test.go sends through gunicorn and stage2
    alike: an answer with a body and headers for the log format to read
    (Content-Length, an X-Trace with quotes, a backslash and an "é", two
    Set-Cookie), the same without the body for HEAD, 404 for /missing, and
    no body at all for ?code=204 or ?code=304, or (with neither a
    Content-Length) for /empty."""
    data = _read_all(environ["wsgi.input"])
    code = _query(environ, "code")
    if code in ("204", "304"):
        start_response(code + " No Body", [("X-Trace", 'no "body"')])
        return []
    if environ["PATH_INFO"] == "/empty":
        start_response("200 OK", [("X-Trace", "empty")])
        return []
    body = b"%s: %d bytes in\n" % (environ["REQUEST_METHOD"].encode("latin-1"), len(data))
    status = "404 Not Found" if environ["PATH_INFO"] == "/missing" else "200 OK"
    start_response(status, [
        ("Content-Type", "text/plain"),
        ("Content-Length", str(len(body))),
        ("X-Trace", 'said "hi" \\ caf\u00e9'),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
    ])
    if environ["REQUEST_METHOD"] == "HEAD":
        return []
    return [body]


def bulk(environ, start_response):
    """/big?mb=N: N MiB of body, 1 MiB at a time; anything else: "pong"."""
    if environ["PATH_INFO"] != "/big":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "4")])
        return [b"pong"]
    mb = int(_query(environ, "mb", "1"))
    start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(mb << 20))])
    block = b"x" * (1 << 20)
    return (block for _ in range(mb))
