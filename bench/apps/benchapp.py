"""The benchmark's WSGI app for the cases the seed's hello app cannot serve.

    /          the seed's page (as shared/examples/hello.py answers)
    /big       100 KB of text: a response bigger than any socket buffer
    /echo      the request body, read whole from wsgi.input, sent back
    /slow?ms=N the seed's page after sleeping N milliseconds (50 by default),
               standing for a request that waits on a database

Every answer has a Content-Length, so every server can keep the
connection alive. Run it with any server: gunicorn --chdir bench/apps benchapp:app
"""

import time
from urllib.parse import parse_qs

HELLO = b"<html>Hello, world!</html>"
BIG = b"x" * (100 * 1024)


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    content_type = "text/html"
    if path == "/big":
        body, content_type = BIG, "text/plain"
    elif path == "/echo":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        content_type = "application/octet-stream"
    elif path == "/slow":
        query = parse_qs(environ.get("QUERY_STRING", ""))
        time.sleep(int(query.get("ms", ["50"])[0]) / 1000)
        body = HELLO
    else:
        body = HELLO
    start_response("200 OK", [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
    ])
    return [body]
