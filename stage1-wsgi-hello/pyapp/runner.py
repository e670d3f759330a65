"""gunicorn-go's Python app runner.

The Go side (package pyapp) starts this script with the app's spec as argv[1],
its end of a unix socketpair as fd 3 and a pipe for tracebacks as fd 4, so
nothing the app prints can reach the protocol. The runner imports the app,
answers R (ready) or F (failed), then runs the requests Go sends until the
socket closes:

    Go -> runner: Q request (marshal of (environ, body)), C cancel, W window,
                  T take back (a request not started yet), P ping
    runner -> Go: H head, B body chunk, E end, X exception, L wsgi.errors
                  text, N not run (taken back), P pong

Every frame is a 4-byte big-endian payload length, a 1-byte kind, a 4-byte
request id, then the payload. protocol.go in the same folder explains the
design; keep the two in step.

With one thread (the default) the main thread runs the app itself, between
reading frames. With more, the main thread only reads frames and hands each
request to a pool of threads, as gunicorn's gthread worker does; their
answers interleave, each frame carrying its request's id.
"""

import ast
import collections
import gc
import importlib
import io
import json
import marshal
import os
import select
import signal
import socket
import struct
import sys
import threading
import traceback

HEADER = struct.Struct(">IBI")
pack_header = HEADER.pack
unpack_header = HEADER.unpack_from
HEADER_LEN = HEADER.size

# Frame kinds, as their byte values.
K_READY, K_FAILED = ord("R"), ord("F")
K_HEAD, K_BODY, K_END, K_EXC, K_LOG, K_RETURNED = (ord(c) for c in "HBEXLN")
K_REQUEST, K_CANCEL, K_WINDOW, K_TAKE, K_PING = (ord(c) for c in "QCWTP")

# recv(n) allocates n bytes before it shrinks the result: past glibc's mmap
# threshold (128 KiB) every call would map and unmap fresh pages.
RECV_SIZE = 16384
# Before blocking on the socket, poll it this many times: the next request
# often comes within microseconds, and sleeping then being woken costs more
# than the request (see spinReads in conn.go). But after MISS_SPINS waits in
# a row whose polls found nothing (the clients are slower than a spin: one
# connection, a quiet site), block at once, and poll again only every
# RETRY_SPIN waits, as Go's reader does (spinReader in conn.go). With
# several threads the reading thread never polls: each poll lets go of the
# GIL and takes it back, from the very threads running the app (hello.py
# with --threads 4: 4-12% more requests a second without, bench/README.md).
SPIN_RECVS = 16
MISS_SPINS = 4
RETRY_SPIN = 64

# Iterators over values that already exist: walking them runs no app code, so
# the whole response can be sent with one write. Everything else (generators,
# custom iterables) may block between items and is flushed chunk by chunk.
SETTLED = (type(iter([])), type(iter(())))

RUNNER_FILE = (lambda: 0).__code__.co_filename  # the name Go compiled us under


class Cancelled(Exception):
    """Go cancelled the request: stop producing its body."""


class Conn:
    """The runner's end of the socketpair: framed reads and locked writes.

    Only the main thread reads. Frames received but not yet taken wait in
    buf; requests received but not started wait in ahead, in order, for a
    thread (with several threads, under the condition work).

    Go may send a request before a thread is free for it, so that the
    runner never waits between two; if another worker frees first, Go takes
    the request back (T), and it is answered N if it has not started. With
    one thread the main thread runs the app, and a T comes with a SIGURG so
    that it is read meanwhile (see take_back_now).
    """

    def __init__(self, sock, threaded):
        self.sock = sock
        self.recv = sock.recv
        self.threaded = threaded
        self.buf = bytearray()  # received bytes not yet taken as frames
        self.ahead = collections.deque()  # (id, payload) of requests not started
        self.work = threading.Condition()  # several threads: guards ahead
        self.responses = {}  # id -> Response, for C and W frames
        self.lock = threading.Lock()  # app threads write too
        self.pending = bytearray()  # bytes sent by nobody yet, under lock (see send)
        self.main = threading.get_ident()  # the only thread that reads
        self.busy = 0  # the main thread is in this class's code: a signal handler must not enter it
        self.missed = False  # a SIGURG came while busy: leave acts on it
        self.misses = 0  # waits in a row whose spin found nothing
        self.unspun = 0  # waits since a spin was last tried

    def fill(self, wait):
        """Receive what is there into buf; if wait, spin then block for it.

        Return whether anything came; EOFError when Go is gone.
        """
        recv = self.recv
        data = None
        if not wait or (not self.threaded and self.spin_now()):
            for _ in range(SPIN_RECVS if wait else 1):
                try:
                    data = recv(RECV_SIZE, socket.MSG_DONTWAIT)
                    break
                except BlockingIOError:
                    pass
            if wait:
                self.misses = 0 if data is not None else self.misses + 1
        if data is None:
            if not wait:
                return False
            data = recv(RECV_SIZE)
        if not data:
            raise EOFError
        self.buf += data
        return True

    def spin_now(self):
        """Whether a wait polls before it blocks (see MISS_SPINS)."""
        if self.misses < MISS_SPINS or self.unspun >= RETRY_SPIN:
            self.unspun = 0
            return True
        self.unspun += 1
        return False

    def buffered_frame(self):
        """Take the next whole frame out of buf: (kind, id, payload), or None."""
        buf = self.buf
        if len(buf) < HEADER_LEN:
            return None
        n, kind, rid = unpack_header(buf)
        end = HEADER_LEN + n
        if len(buf) < end:
            return None
        payload = buf[HEADER_LEN:end]
        del buf[:end]  # cheap: a bytearray drops its head by moving its start
        return kind, rid, payload

    def read_frame(self):
        """Return (kind, id, payload) of the next frame, waiting for it."""
        while True:
            frame = self.buffered_frame()
            if frame is not None:
                return frame
            buf = self.buf
            if len(buf) >= HEADER_LEN and unpack_header(buf)[0] > RECV_SIZE:
                return self.read_big()
            self.fill(True)

    def read_big(self):
        """Read a frame bigger than a recv (a large inline body) into place."""
        n, kind, rid = unpack_header(self.buf)
        payload = bytearray(n)
        have = len(self.buf) - HEADER_LEN
        payload[:have] = self.buf[HEADER_LEN:]
        self.buf = bytearray()
        with memoryview(payload) as view:
            while have < n:
                got = self.sock.recv_into(view[have:])
                if not got:
                    raise EOFError
                have += got
        return kind, rid, payload

    def control(self, kind, rid, payload):
        """Act on a frame that is not a request to run now: C, W, T, P.

        Return True for a request (Q), which the caller must queue or run.
        """
        if kind == K_REQUEST:
            return True
        if kind == K_PING:
            self.send([pack_header(0, K_PING, rid)])
            return False
        if kind == K_TAKE:
            self.take_back(rid)
            return False
        response = self.responses.get(rid)
        if response is None:
            return False  # for a request that has ended already
        if kind == K_CANCEL:
            response.cancel()
        elif kind == K_WINDOW:
            response.grant(int.from_bytes(payload, "big"))
        return False

    def take_back(self, rid):
        """Answer N for request rid if it has not started: Go sends it to
        another worker. One that has started goes on, and ends as usual."""
        with self.work:
            for i, (queued, _) in enumerate(self.ahead):
                if queued == rid:
                    del self.ahead[i]
                    break
            else:
                return
        self.send([pack_header(0, K_RETURNED, rid)])

    def next_request(self):
        """One thread: wait for the next request, answering pings meanwhile.

        What came with it is acted on before it runs: a T read in the same
        recv, for a request behind it, must not wait for the app to end.
        """
        self.busy += 1
        try:
            while True:
                self.take_buffered()  # a T read early comes before its request's turn
                if self.ahead:
                    return self.ahead.popleft()
                self.take(*self.read_frame())  # after what came with it
        finally:
            self.leave()

    def poll(self):
        """One thread, between a generator's chunks: act on what came."""
        self.busy += 1
        try:
            self.fill(False)
            self.take_buffered()
        finally:
            self.leave()

    def take_buffered(self):
        """One thread: act on the frames already received, queueing requests."""
        while True:
            frame = self.buffered_frame()
            if frame is None:
                return
            self.take(*frame)

    def take(self, kind, rid, payload):
        """One thread: act on a frame; a request waits in ahead, in order."""
        if self.control(kind, rid, payload):
            self.ahead.append((rid, payload))

    def take_back_now(self, signum, frame):
        """SIGURG, one thread: Go takes back a request while the main thread
        runs the app. Read what came (the requests, then the T), unless the
        signal arrived in this class's own code, which must not be entered
        twice: that code reads it as it leaves (see leave)."""
        self.missed = True
        if not self.busy:
            self.read_missed()

    def leave(self):
        """The main thread leaves this class's code (see busy): a SIGURG
        that came meanwhile is acted on now, not after the app's request,
        which may be the slow one its T is to get away from."""
        self.busy -= 1
        if not self.busy:
            self.read_missed()

    def read_missed(self):
        """While a SIGURG is unanswered, read what came and act on it."""
        while self.missed:
            self.missed = False
            self.busy += 1
            try:
                while self.fill(False):  # all of it: a request ahead may be large
                    pass
                self.take_buffered()
            finally:
                self.busy -= 1  # a SIGURG meanwhile set missed again: the loop reads it

    def wait_room(self, response):
        """Wait until response may send more body, or is cancelled."""
        if self.threaded:
            with response.cond:
                while response.room <= 0 and not response.cancelled:
                    response.cond.wait()
            return
        self.busy += 1
        try:
            while response.room <= 0 and not response.cancelled:
                self.take(*self.read_frame())
        finally:
            self.leave()

    def send(self, frames):
        """Write frames (a list of bytes), usually with one system call.

        Frames must reach Go whole and in order, yet no thread may wait for
        the socket while holding the lock: an app thread blocked there (say,
        flooding wsgi.errors while Go is busy writing requests to us) would
        keep the main thread, the only one that reads, from ever sending or
        reading again, and both processes would wait for each other. So what
        the socket has no room for is queued in pending, under the lock, and
        the writer then waits for the queue to drain without the lock.
        """
        data = frames[0] if len(frames) == 1 else b"".join(frames)
        main = threading.get_ident() == self.main
        if main:
            self.busy += 1
        try:
            with self.lock:
                if not self.pending:
                    try:
                        sent = self.sock.send(data, socket.MSG_DONTWAIT)
                    except BlockingIOError:
                        sent = 0
                    if sent == len(data):
                        return
                    data = data[sent:]
                self.pending += data
            self.drain()
        finally:
            if main:
                self.leave()

    def drain(self):
        """Wait until everything pending is written.

        The lock is held only to send what the socket takes at once. The main
        thread keeps receiving while it waits (into buf): Go may be blocked
        writing to us while we wait for it to read our answer.
        """
        sock = self.sock
        reads = [sock] if threading.get_ident() == self.main else []
        while True:
            with self.lock:
                pending = self.pending
                if pending:
                    try:
                        del pending[:sock.send(pending, socket.MSG_DONTWAIT)]
                    except BlockingIOError:
                        pass
                if not pending:
                    return
            readable, _, _ = select.select(reads, [sock], [])
            if readable:
                self.fill(False)


class ErrorStream:
    """wsgi.errors: each write goes to Go as an L frame of its request."""

    def __init__(self, conn, rid):
        self.conn = conn
        self.rid = rid

    def write(self, s):
        if type(s) is not str:
            raise TypeError("wsgi.errors.write() wants a str, not %s" % type(s).__name__)
        data = s.encode("utf-8", "backslashreplace")
        self.conn.send([pack_header(len(data), K_LOG, self.rid), data])
        return len(s)

    def writelines(self, lines):
        for s in lines:
            self.write(s)

    def flush(self):
        pass


class FileWrapper:
    """wsgi.file_wrapper: iterate a file-like object in blocks of blksize."""

    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = blksize
        if hasattr(filelike, "close"):
            self.close = filelike.close

    def __iter__(self):
        return self

    def __next__(self):
        data = self.filelike.read(self.blksize)
        if data:
            return data
        raise StopIteration


class Response:
    """One request's start_response, write and response frames."""

    __slots__ = ("conn", "rid", "head", "head_queued", "flushed", "out", "active",
                 "cancelled", "room", "cond")

    def __init__(self, conn, rid, window):
        self.conn = conn
        self.rid = rid
        self.head = None  # encoded status and headers, once start_response ran
        self.head_queued = False  # the H frame is in out or already sent
        self.flushed = False  # some frame of this response reached Go
        self.out = []  # frames waiting for the next flush
        self.active = True  # false once the request is over
        self.cancelled = False  # Go sent C: stop producing the body
        self.room = window  # body bytes Go may still take (see W frames)
        self.cond = threading.Condition() if conn.threaded else None

    def cancel(self):
        if self.cond is None:
            self.cancelled = True
            return
        with self.cond:
            self.cancelled = True
            self.cond.notify()

    def grant(self, n):
        if self.cond is None:
            self.room += n
            return
        with self.cond:
            self.room += n
            self.cond.notify()

    def start_response(self, status, headers, exc_info=None):
        if exc_info:
            try:
                if self.head_queued:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.head is not None:
            raise RuntimeError("start_response() called a second time without exc_info")
        self.head = encode_head(status, headers)
        return self.write

    def add(self, chunk):
        """Queue a body chunk (and the head before the first non-empty one)."""
        if type(chunk) is not bytes:
            if not isinstance(chunk, (bytes, bytearray)):
                raise TypeError("the app yielded a %s: body chunks must be bytes" % type(chunk).__name__)
            chunk = bytes(chunk)
        if not chunk:
            return
        if not self.head_queued:
            self.queue_head()
        n = len(chunk)
        if n > self.room:
            return self.add_in_pieces(chunk)
        self.room -= n
        self.out.append(pack_header(n, K_BODY, self.rid))
        self.out.append(chunk)

    def add_in_pieces(self, chunk):
        """Send chunk as Go's window allows, waiting for more room between
        pieces: a response Go already holds a window's worth of."""
        view = memoryview(chunk)
        while view:
            if self.room <= 0:
                self.flush()
                self.conn.wait_room(self)
            if self.cancelled:
                raise Cancelled
            piece = bytes(view[:self.room])
            view = view[len(piece):]
            self.room -= len(piece)
            self.out.append(pack_header(len(piece), K_BODY, self.rid))
            self.out.append(piece)

    def queue_head(self):
        if self.head is None:
            raise RuntimeError("the app sent body data before calling start_response()")
        self.out.append(pack_header(len(self.head), K_HEAD, self.rid))
        self.out.append(self.head)
        self.head_queued = True

    def write(self, data):
        """The legacy write() callable: send data now."""
        if not self.active:
            raise RuntimeError("write() called after the response ended")
        self.add(data)
        self.flush()

    def flush(self):
        if self.out:
            self.conn.send(self.out)
            self.out = []
            self.flushed = True


def encode_head(status, headers):
    """Check status and headers per PEP 3333 and encode them NUL-separated."""
    if type(headers) is not list:
        raise TypeError(describe_bad_head(status, headers))
    parts = [status]
    try:
        for name, value in headers:
            parts += (name, value)
        text = "\0".join(parts)  # raises TypeError unless every part is a str
    except (TypeError, ValueError):
        raise TypeError(describe_bad_head(status, headers)) from None
    if (text.count("\0") != len(parts) - 1 or "\r" in text or "\n" in text
            or len(status) < 4 or status[3] != " " or not status[:3].isdigit()):
        raise ValueError(describe_bad_head(status, headers))
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError as e:
        raise ValueError("status and headers must be latin-1: %r is not" % (e.object[e.start:e.end],)) from None


def describe_bad_head(status, headers):
    """Say what is wrong with a status and headers that encode_head refused."""
    if type(status) is not str:
        return "status must be a str, not %s" % type(status).__name__
    if len(status) < 4 or not status[:3].isdigit() or status[3] != " ":
        return "status %r is not of the form '200 OK'" % (status,)
    if type(headers) is not list:
        return "response_headers must be a list, not %s" % type(headers).__name__
    for header in headers:
        if type(header) is not tuple or len(header) != 2:
            return "response header %r is not a (name, value) tuple" % (header,)
        if type(header[0]) is not str or type(header[1]) is not str:
            return "response header %r: name and value must be str" % (header,)
    return "status or a response header holds a control character: %r" % ([status] + headers,)


def format_exception(e):
    """The traceback of e without the runner's own outer frames."""
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == RUNNER_FILE:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(e), e, tb))


def handle(conn, app, window, rid, payload):
    """Run one request through app and send its response frames.

    This is the heart of a WSGI server: build the environ, call
    app(environ, start_response), iterate what it returns, close it.
    """
    with memoryview(payload) as view:
        environ, body = marshal.loads(view)
    response = Response(conn, rid, window)
    conn.responses[rid] = response
    if type(body) is bytes:
        stream = io.BytesIO(body)
    else:
        stream = open(body[0], "rb")  # (path,): a body spooled to a file
    environ["wsgi.input"] = stream
    environ["wsgi.errors"] = ErrorStream(conn, rid)
    environ["wsgi.file_wrapper"] = FileWrapper
    failure = None
    try:
        result = app(environ, response.start_response)
        try:
            it = iter(result)
            if type(it) in SETTLED:
                for chunk in it:
                    response.add(chunk)
            else:
                poll = None if conn.threaded else conn.poll
                for chunk in it:
                    response.add(chunk)
                    if response.out:
                        response.flush()
                    if poll is not None:
                        poll()
                    if response.cancelled:
                        break
        except Cancelled:
            pass
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if not response.head_queued and not response.cancelled:
            if response.head is None:
                raise RuntimeError("the app's body ended without it calling start_response()")
            response.queue_head()
    except Exception as e:
        failure = format_exception(e)
    finally:
        response.active = False
        stream.close()
        del conn.responses[rid]
    if failure is None:
        response.out.append(pack_header(0, K_END, rid))
    else:
        if not response.flushed:
            response.out = []  # nothing went out yet: an error before the head
        data = failure.encode("utf-8", "backslashreplace")
        response.out += [pack_header(len(data), K_EXC, rid), data]
    response.flush()


def serve_inline(conn, app, window):
    """One thread: the main thread reads a request, runs it, and so on."""
    signal.signal(signal.SIGURG, conn.take_back_now)
    while True:
        rid, payload = conn.next_request()
        handle(conn, app, window, rid, payload)


def serve_threaded(conn, app, window, threads):
    """Several threads: the main thread reads frames and hands requests to
    a pool of threads that run the app."""
    work, ahead = conn.work, conn.ahead

    def run():
        while True:
            with work:
                while not ahead:
                    work.wait()
                rid, payload = ahead.popleft()
            handle(conn, app, window, rid, payload)

    for i in range(threads):
        threading.Thread(target=run, name="gunicorn-go-%d" % (i + 1), daemon=True).start()
    while True:
        kind, rid, payload = conn.read_frame()
        if conn.control(kind, rid, payload):
            with work:
                ahead.append((rid, payload))
                work.notify()


class LoadError(Exception):
    """Why the app could not be loaded: kind is the Go side's error kind."""

    def __init__(self, kind, summary, tb=""):
        super().__init__(summary)
        self.kind = kind
        self.summary = summary
        self.tb = tb


def describe(e):
    return "%s: %s" % (type(e).__name__, e)


def parse_spec(spec):
    """Split gunicorn's "module:expr" into (module, [attrs], args, kwargs, is_call)."""
    module, _, expr = spec.partition(":")
    expr = expr.strip() or "application"
    if not module or not all(part.isidentifier() for part in module.split(".")):
        raise LoadError("spec", "%r: %r is not a module name" % (spec, module))
    try:
        node = ast.parse(expr, mode="eval").body
    except SyntaxError as e:
        raise LoadError("spec", "%r: %r is not a valid Python expression (%s)" % (spec, expr, e.msg)) from None
    call = isinstance(node, ast.Call)
    args, kwargs = [], {}
    if call:
        for arg in node.args:
            try:
                args.append(ast.literal_eval(arg))
            except ValueError:
                raise LoadError("spec", "%r: factory arguments must be literals" % spec) from None
        for kw in node.keywords:
            if kw.arg is None:
                raise LoadError("spec", "%r: factory arguments must be literals, not **" % spec)
            try:
                kwargs[kw.arg] = ast.literal_eval(kw.value)
            except ValueError:
                raise LoadError("spec", "%r: factory arguments must be literals" % spec) from None
        node = node.func
    attrs = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise LoadError("spec", "%r: %r is neither a name, a dotted name nor a call of one" % (spec, expr))
    attrs.append(node.id)
    attrs.reverse()
    return module, attrs, args, kwargs, call


def load(spec, where):
    module_name, attrs, args, kwargs, call = parse_spec(spec)
    try:
        obj = importlib.import_module(module_name)
    except BaseException as e:
        raise LoadError("import", "cannot import module %r (%s): %s" % (module_name, where, describe(e)),
                        format_exception(e)) from None
    path = module_name
    for attr in attrs:
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            raise LoadError("attribute", "%r has no attribute %r (loading %r)" % (path, attr, spec)) from None
        path += ("." if path != module_name else ":") + attr
    if call:
        if not callable(obj):
            raise LoadError("callable", "%r: factory %s is a %s, not callable" % (spec, path, type(obj).__name__))
        try:
            obj = obj(*args, **kwargs)
        except BaseException as e:
            raise LoadError("factory", "%r: the factory raised %s" % (spec, describe(e)), format_exception(e)) from None
    if not callable(obj):
        raise LoadError("callable", "%r is a %s, not a callable WSGI app" % (spec, type(obj).__name__))
    return obj


def set_title(title):
    """Make ps show title as our command line, best effort.

    ps reads the memory that held our argv (/proc/PID/cmdline), whose
    bounds /proc/self/stat gives (fields 48 and 49). Python copied argv at
    start-up, and derived sys.executable and a virtualenv's prefix from it
    already, so overwriting it changes nothing but what ps shows. The title
    is cut to the room argv had.
    """
    try:
        import ctypes

        with open("/proc/self/stat", "rb") as f:
            stat = f.read()
        fields = stat[stat.rindex(b")") + 2:].split()
        start, end = int(fields[45]), int(fields[46])
        room = end - start
        data = title.encode("utf-8", "replace")[:room - 1]
        ctypes.memmove(start, data + b"\0" * (room - len(data)), room)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(15, b"gunicorn-go", 0, 0, 0)  # PR_SET_NAME: the short name top shows
    except Exception:
        pass


def dump_tracebacks(signum, frame):
    """On SIGUSR2 (Go's dumpSignal): write the traceback of every thread to
    fd 4, which Go reads, so that a stuck request's line reaches the error log
    before the worker is killed.

    A Python handler, not faulthandler's: faulthandler runs its handlers on
    an alternate signal stack, and every other Python signal handler then
    runs there too, so that a burst of different signals (a pkill of each)
    overflows it and crashes the worker. The price: a worker stuck in C code
    that holds the interpreter lock cannot run this, and Go says so."""
    main = threading.main_thread().ident
    names = {t.ident: t.name for t in threading.enumerate()}
    parts = []
    for ident, top in sorted(sys._current_frames().items(), key=lambda kv: kv[0] != main):
        if ident == main:
            top = frame  # not this handler: what it interrupted
        stack = [f for f in traceback.extract_stack(top) if f.filename not in (RUNNER_FILE, "<string>")]
        parts.append("Thread %s (most recent call last):\n" % names.get(ident, hex(ident)))
        parts.extend(traceback.format_list(stack) or ["  (in gunicorn-go's runner: waiting for work)\n"])
    data = "".join(parts).encode("utf-8", "backslashreplace")
    while data:
        data = data[os.write(4, data):]


def ignore_master_signals():
    """A runner's life is the master's to decide. Signals meant for the
    master that reach the whole process group (Ctrl-C in a terminal,
    supervisord's stopasgroup, systemd's control-group kill, a pkill) must
    not cut the requests the master is draining: the master stops us by
    closing our socket, or kills us. A Python handler, rather than SIG_IGN,
    so that the app's own child processes get the default handling back."""
    for name in ("SIGINT", "SIGTERM", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGTTIN", "SIGTTOU", "SIGWINCH"):
        signal.signal(getattr(signal, name), lambda signum, frame: None)


def main():
    spec = sys.argv[1]
    pythonpath = [p for p in sys.argv[2:] if p]
    config = json.loads(os.environ.pop("GUNICORN_GO_RUNNER_CONFIG", "{}"))
    threads = max(1, config.get("threads", 1))
    window = config.get("window", 1 << 30)
    if config.get("title"):
        set_title(config["title"])
    sys.argv = ["pyapp-runner", spec]
    ignore_master_signals()
    os.set_inheritable(4, False)  # the tracebacks' pipe: see dump_tracebacks
    signal.signal(signal.SIGUSR2, dump_tracebacks)
    # Like gunicorn: the working directory first on sys.path (replacing the ''
    # that -c put there), with --pythonpath directories ahead of it.
    cwd = os.getcwd()
    if sys.path and sys.path[0] == "":
        del sys.path[0]
    sys.path[:0] = [os.path.abspath(p) for p in pythonpath] + [cwd]
    os.set_inheritable(3, False)  # the app's own children get no protocol socket
    sock = socket.socket(fileno=3)
    # Nor does a process the app forks (multiprocessing does): holding our
    # end open, it would keep Go from seeing this runner die, and anything it
    # wrote there would break the protocol.
    os.register_at_fork(after_in_child=sock.close)
    conn = Conn(sock, threads > 1)
    where = "%s %s" % (sys.executable, sys.version.split()[0])
    try:
        app = load(spec, where)
    except LoadError as e:
        fields = [e.kind, e.summary, e.tb, where, repr(sys.path)]
        data = "\0".join(fields).encode("utf-8", "backslashreplace")
        conn.send([pack_header(len(data), K_FAILED, 0), data])
        return
    gc.freeze()  # what the app loaded stays: spare the collector from walking it
    ready = ("%d\0%s" % (os.getpid(), where)).encode("utf-8", "backslashreplace")
    conn.send([pack_header(len(ready), K_READY, 0), ready])
    try:
        if threads > 1:
            serve_threaded(conn, app, window, threads)
        else:
            serve_inline(conn, app, window)
    except (EOFError, BrokenPipeError, ConnectionResetError):
        pass  # Go closed the socket: time to go
    if threads > 1:
        # App threads may be in the middle of requests nobody waits for any
        # more; do not wait for them either.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
