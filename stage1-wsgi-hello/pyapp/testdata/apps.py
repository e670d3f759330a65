"""WSGI apps for pyapp's tests, one per behaviour, loaded as apps:NAME."""

import json
import os
import signal
import sys
import threading
import time
import wsgiref.validate

TEXT = [("Content-Type", "text/plain")]


def echo(environ, start_response):
    """Answer method, path, query and the body read the way ?mode= says."""
    mode = environ["QUERY_STRING"].partition("mode=")[2].partition("&")[0] or "read"
    stream = environ["wsgi.input"]
    if mode == "read":
        body = stream.read()
    elif mode == "readn":  # small reads, as a form parser would
        parts = []
        while True:
            part = stream.read(3)
            if not part:
                break
            parts.append(part)
        body = b"".join(parts)
    elif mode == "readline":
        parts = []
        while True:
            line = stream.readline()
            if not line:
                break
            parts.append(b"[" + line + b"]")
        body = b"".join(parts)
    elif mode == "readlimit":  # readline(limit)
        body = b"|".join(iter(lambda: stream.readline(4), b""))
    elif mode == "readlines":
        body = b"".join(b"[" + line + b"]" for line in stream.readlines())
    elif mode == "iter":
        body = b"".join(b"[" + line + b"]" for line in stream)
    else:
        body = b""
    text = "%s %s?%s " % (environ["REQUEST_METHOD"], environ["PATH_INFO"], environ["QUERY_STRING"])
    data = text.encode("latin-1") + body
    start_response("200 OK", TEXT + [("Content-Length", str(len(data)))])
    return [data]


def environ_types(environ, start_response):
    """Describe the environ: every key with its value's type, as JSON."""
    out = {}
    for key, value in environ.items():
        out[key] = type(value).__name__
    out["wsgi.version"] = list(environ["wsgi.version"])
    out["wsgi.url_scheme"] = environ["wsgi.url_scheme"]
    out["PATH_INFO"] = environ["PATH_INFO"]
    out["HTTP_X_LATIN"] = [ord(c) for c in environ.get("HTTP_X_LATIN", "")]
    out["file_wrapper_is_class"] = isinstance(environ["wsgi.file_wrapper"], type)
    for name in ("read", "readline", "readlines", "__iter__"):
        out["input_has_" + name] = hasattr(environ["wsgi.input"], name)
    for name in ("write", "writelines", "flush"):
        out["errors_has_" + name] = hasattr(environ["wsgi.errors"], name)
    for key in ("wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once", "wsgi.input_terminated"):
        out[key] = environ[key]
    data = json.dumps(out).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [data]


def generator(environ, start_response):
    """Yield one chunk, wait until the file named by the query exists, yield another."""
    start_response("200 OK", TEXT)
    yield b"first;"
    while not os.path.exists(environ["QUERY_STRING"]):
        time.sleep(0.005)
    yield b""
    yield b"second;"


def writer(environ, start_response):
    """Use the legacy write() callable, then return a body too."""
    write = start_response("200 OK", TEXT)
    write(b"written;")
    write(b"")
    return [b"returned;"]


def raise_before(environ, start_response):
    raise ValueError("boom before start_response")


def raise_after(environ, start_response):
    start_response("200 OK", TEXT)
    yield b"partial;"
    raise KeyError("boom after the head")


def twice(environ, start_response):
    start_response("200 OK", TEXT)
    start_response("500 Internal Server Error", TEXT)
    return [b"never"]


def exc_info_before_head(environ, start_response):
    """Replace the response after an error, before anything was sent."""
    start_response("200 OK", TEXT)
    try:
        raise RuntimeError("oops")
    except RuntimeError:
        start_response("500 Internal Server Error", [("Content-Type", "text/plain"), ("X-Replaced", "yes")], sys.exc_info())
    return [b"replaced"]


def exc_info_after_head(environ, start_response):
    """Ask to replace the response after the head went out: start_response re-raises."""
    start_response("200 OK", TEXT)
    yield b"sent;"
    try:
        raise RuntimeError("too late")
    except RuntimeError:
        start_response("500 Internal Server Error", TEXT, sys.exc_info())
    yield b"never"


def bad_header(environ, start_response):
    start_response("200 OK", [("X-Bytes", b"value")])
    return [b""]


def not_latin1(environ, start_response):
    start_response("200 OK", [("X-Snow", "\u2603")])
    return [b""]


def str_body(environ, start_response):
    start_response("200 OK", TEXT)
    return ["text is not bytes"]


def no_start(environ, start_response):
    return [b"no head"]


def no_start_empty(environ, start_response):
    return []


def empty(environ, start_response):
    start_response("204 No Content", [])
    return []


def errors(environ, start_response):
    """Write to wsgi.errors, and print to stdout and stderr."""
    environ["wsgi.errors"].write("to wsgi.errors\n")
    environ["wsgi.errors"].writelines(["line 1\n", "line 2\n"])
    environ["wsgi.errors"].flush()
    print("to stdout", flush=True)
    print("to stderr", file=sys.stderr, flush=True)
    start_response("200 OK", TEXT)
    return [b"ok"]


def file_wrapper(environ, start_response):
    """Send this very file through wsgi.file_wrapper in blocks of 100 bytes."""
    start_response("200 OK", TEXT)
    return environ["wsgi.file_wrapper"](open(__file__, "rb"), 100)


class Endless:
    """An endless body whose close() leaves a mark in the file the query names."""

    def __init__(self, marker):
        self.marker = marker

    def __iter__(self):
        while True:
            yield b"x" * 1000

    def close(self):
        with open(self.marker, "w") as f:
            f.write("closed")


def endless(environ, start_response):
    start_response("200 OK", TEXT)
    return Endless(environ["QUERY_STRING"])


def hang_after_head(environ, start_response):
    """Send a chunk, then never finish (the test kills the runner)."""
    start_response("200 OK", TEXT)
    yield b"alive;"
    time.sleep(3600)
    yield b"never"


def hang_before_head(environ, start_response):
    """Leave a mark in the file the query names, then never answer."""
    with open(environ["QUERY_STRING"], "w") as f:
        f.write(str(os.getpid()))
    time.sleep(3600)


def stubborn(environ, start_response):
    """hang_before_head, ignoring SIGTERM: it writes "term" to the file the
    query names plus ".term" instead, so a test can tell a kill from a polite
    stop."""
    marker = environ["QUERY_STRING"]

    def term(signum, frame):
        with open(marker + ".term", "w") as f:
            f.write("term")

    signal.signal(signal.SIGTERM, term)
    return hang_before_head(environ, start_response)


def lazy_reader(environ, start_response):
    """Read the body in a generator, after the head: input must still work."""
    start_response("200 OK", TEXT)
    yield b"got:"
    yield environ["wsgi.input"].read()


def cwd(environ, start_response):
    data = json.dumps({"cwd": os.getcwd(), "path": sys.path[:3], "env": os.environ.get("PYAPP_TEST", "")}).encode()
    start_response("200 OK", TEXT)
    return [data]


validated = wsgiref.validate.validator(echo)


def create_app(name, debug=False):
    """A factory: gunicorn's "apps:create_app('x', debug=True)"."""

    def app(environ, start_response):
        start_response("200 OK", TEXT)
        return [("%s debug=%s" % (name, debug)).encode()]

    return app


class Holder:
    """For dotted specs: apps:holder.inner.app."""


holder = Holder()
holder.inner = Holder()
holder.inner.app = echo

not_callable = b"I am bytes"


def failing_factory():
    raise RuntimeError("the factory fails")


def router(environ, start_response):
    """Serve the app named by the path: /echo runs echo. Most tests use this one."""
    return globals()[environ["PATH_INFO"].strip("/")](environ, start_response)


def echo_chunks(environ, start_response):
    """A generator echo: the query string, one character per chunk."""
    start_response("200 OK", TEXT)
    for c in environ["QUERY_STRING"]:
        yield c.encode("latin-1")


def pid(environ, start_response):
    """Answer the runner's pid."""
    start_response("200 OK", TEXT)
    return [str(os.getpid()).encode()]


def wait_for(environ, start_response):
    """Answer the runner's pid once the file the query names exists. First
    write the pid to that name plus ".started" (whole: written, then renamed)."""
    marker = environ["QUERY_STRING"]
    with open(marker + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(marker + ".tmp", marker + ".started")
    parent = os.getppid()
    while not os.path.exists(marker) and os.getppid() == parent:  # a killed test leaves no orphan
        time.sleep(0.005)
    start_response("200 OK", TEXT)
    return [str(os.getpid()).encode()]


def marked_generator(environ, start_response):
    """generator, leaving a mark (the file the query names plus ".started")
    once it runs."""
    with open(environ["QUERY_STRING"] + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(environ["QUERY_STRING"] + ".tmp", environ["QUERY_STRING"] + ".started")
    return generator(environ, start_response)


class EndlessBig(Endless):
    """Endless, in chunks bigger than the socket's buffers."""

    def __iter__(self):
        chunk = b"x" * (1 << 20)
        while True:
            yield chunk


def endless_big(environ, start_response):
    start_response("200 OK", TEXT)
    return EndlessBig(environ["QUERY_STRING"])


class Closing:
    """A body whose close() leaves a mark in the file the query names. Its
    iterator is a list's (settled: sent in one write), a generator (flushed
    chunk by chunk), or a generator that raises after its first chunk."""

    def __init__(self, marker, how):
        self.marker = marker
        self.how = how

    def __iter__(self):
        if self.how == "settled":
            return iter([b"one;", b"two;"])
        return self.chunks()

    def chunks(self):
        yield b"one;"
        if self.how == "raise":
            raise ValueError("boom in the body")
        yield b"two;"

    def close(self):
        with open(self.marker, "w") as f:
            f.write("closed")


def closing_settled(environ, start_response):
    start_response("200 OK", TEXT)
    return Closing(environ["QUERY_STRING"], "settled")


def closing_generator(environ, start_response):
    start_response("200 OK", TEXT)
    return Closing(environ["QUERY_STRING"], "generator")


def closing_raise(environ, start_response):
    start_response("200 OK", TEXT)
    return Closing(environ["QUERY_STRING"], "raise")


def log_flood(environ, start_response):
    """A generator whose second chunk is sent while another thread floods
    wsgi.errors with more than the socket holds. After the first chunk it
    starts the thread, waits for the file the query names, lets the thread
    fill the socket, then yields until closed."""
    errors = environ["wsgi.errors"]
    marker = environ["QUERY_STRING"]

    def flood():
        line = "x" * 1023 + "\n"
        for _ in range(2048):  # 2 MiB
            errors.write(line)

    start_response("200 OK", TEXT)
    yield b"first;"
    threading.Thread(target=flood, daemon=True).start()
    parent = os.getppid()
    while not os.path.exists(marker) and os.getppid() == parent:
        time.sleep(0.005)
    time.sleep(0.2)  # the thread is stuck writing by now: Go is not reading
    while True:
        yield b"more;"


def forker(environ, start_response):
    """Fork a child that lives on (until the file the query names plus
    ".done" exists, or its folder is gone), then never answer. With ?...&hold, the child keeps a
    copy of the runner's socket made with os.dup, which no fork hook closes.
    The runner's pid goes to the file the query names, once the child runs."""
    marker, _, hold = environ["QUERY_STRING"].partition("&")
    held = os.dup(3) if hold else None
    child = os.fork()
    if child == 0:
        null = os.open(os.devnull, os.O_WRONLY)  # not the test's output pipes
        os.dup2(null, 1)
        os.dup2(null, 2)
        deadline = time.time() + 120
        while (not os.path.exists(marker + ".done") and os.path.isdir(os.path.dirname(marker))
               and time.time() < deadline):
            time.sleep(0.01)
        os._exit(0)
    if held is not None:
        os.close(held)
    with open(marker + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(marker + ".tmp", marker)
    time.sleep(3600)


def barrier(environ, start_response):
    """Leave a file in the folder the query names (?FOLDER&N), then wait until
    N are there: it answers only if N requests run at the same time."""
    folder, n = environ["QUERY_STRING"].split("&")
    open(os.path.join(folder, "%d-%d" % (os.getpid(), threading.get_ident())), "w").close()
    deadline = time.time() + 60
    while len(os.listdir(folder)) < int(n) and time.time() < deadline:
        time.sleep(0.005)
    start_response("200 OK", TEXT)
    return [b"passed" if len(os.listdir(folder)) >= int(n) else b"timed out"]


def lettered(environ, start_response):
    """?N&K: N chunks of K KiB, the i-th all of the letter "a" + i % 26."""
    n, k = (int(part) for part in environ["QUERY_STRING"].split("&"))
    start_response("200 OK", TEXT)
    return (bytes([ord("a") + i % 26]) * (k << 10) for i in range(n))


def big(environ, start_response):
    """?N: N MiB of body, b'0123456789abcdef' repeated, as one list (sent in
    one go) or, with ?N&gen, a generator of 64 KiB chunks. After its last
    chunk it leaves a mark in the file named by ?N&gen&MARK."""
    parts = environ["QUERY_STRING"].split("&")
    size = int(parts[0]) << 20
    block = b"0123456789abcdef" * 4096  # 64 KiB
    start_response("200 OK", TEXT + [("Content-Length", str(size))])
    if len(parts) == 1:
        return [block * (size // len(block))]

    def chunks():
        for _ in range(size // len(block)):
            yield block
        if len(parts) > 2:
            open(parts[2], "w").close()

    return chunks()


class StuckClose:
    """An endless body whose close() never returns: once cancelled, the app
    is stuck."""

    def __iter__(self):
        while True:
            yield b"x" * 65536

    def close(self):
        time.sleep(3600)


def stuck_close(environ, start_response):
    start_response("200 OK", TEXT)
    return StuckClose()
