"""Apps for stage 4's tests. Every answer is JSON naming the worker's pid."""

import json
import os
import sys
import threading
import time
import uuid

VERSION = os.environ.get("APP_VERSION", "1")


def answer(start_response, environ, **extra):
    body = dict(pid=os.getpid(), version=VERSION, multithread=environ["wsgi.multithread"],
                multiprocess=environ["wsgi.multiprocess"], **extra)
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


def app(environ, start_response):
    path, query = environ["PATH_INFO"], environ["QUERY_STRING"]
    if path == "/sleep":
        # ?SECONDS, or ?DIR&SECONDS to leave a file in DIR once running
        folder, _, secs = query.rpartition("&")
        if folder:
            open(os.path.join(folder, uuid.uuid4().hex), "w").close()
        time.sleep(float(secs or "1"))
    elif path == "/barrier":
        # Wait until n requests have reached the barrier (each leaves a file
        # in dir): it returns only if n requests run at the same time.
        folder, n = query.split("&")
        open(os.path.join(folder, uuid.uuid4().hex), "w").close()
        deadline = time.time() + 60
        while len(os.listdir(folder)) < int(n):
            if time.time() > deadline:
                return answer(start_response, environ, barrier="timed out")
            time.sleep(0.01)
        return answer(start_response, environ, barrier="passed", thread=threading.get_ident())
    elif path == "/hold":
        # ?FILE: wait until FILE exists (the test releases it), leaving
        # FILE.started once running
        open(query + ".started", "w").close()
        deadline = time.time() + 60
        while not os.path.exists(query) and time.time() < deadline:
            time.sleep(0.005)
    elif path == "/stuck":
        time.sleep(3600)  # the line a stuck worker's traceback names
    elif path == "/upload":
        # the body's size, and the file it was spooled to, if it was
        stream = environ["wsgi.input"]
        size = len(stream.read())
        return answer(start_response, environ, size=size, spooled=os.fsdecode(getattr(stream, "name", b"")))
    elif path == "/stream":
        # ?N&SECONDS&SIZE: N chunks of SIZE bytes, SECONDS apart
        n, secs, size = query.split("&")
        start_response("200 OK", [("Content-Type", "application/octet-stream")])

        def chunks():
            for i in range(int(n)):
                if i:
                    time.sleep(float(secs))
                yield b"x" * int(size)
        return chunks()
    elif path == "/interpreter":
        return answer(start_response, environ, executable=sys.executable, prefix=sys.prefix)
    return answer(start_response, environ)
