"""The app of stage 5's tests: it answers, in JSON, how the server described
the request and who ran it."""

import json
import os

# The environ keys a server fills from its socket: the ones that differ
# between TCP, unix sockets and TLS.
KEYS = ["REMOTE_ADDR", "REMOTE_PORT", "SERVER_NAME", "SERVER_PORT", "HTTP_HOST", "HTTP_X_FORWARDED_PROTO"]


def app(environ, start_response):
    if environ["PATH_INFO"] == "/spool":
        # The files in the directory the query names (worker_tmp_dir), with
        # their owners: a large body is spooled there before the app runs.
        folder = environ["QUERY_STRING"]
        files = {name: os.stat(os.path.join(folder, name)).st_uid for name in os.listdir(folder)}
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(files).encode()]
    info = {key: environ.get(key) for key in KEYS}
    info["wsgi.url_scheme"] = environ["wsgi.url_scheme"]
    info["pid"] = os.getpid()
    info["uid"], info["gid"] = os.getuid(), os.getgid()
    # systemd's variables must not reach the app: they are the master's.
    info["listen_env"] = sorted(key for key in os.environ if key.startswith("LISTEN_"))
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(info).encode()]
