"""The app of stage 6's tests: it answers, in JSON, which worker ran the
request and what of the master's environment reached it."""

import json
import os
import time

# Variables that are the master's alone: no worker may inherit them.
MASTERS = ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_", "GUNICORN_")


def app(environ, start_response):
    if environ["PATH_INFO"] == "/sleep":
        # /sleep?DIR&SECONDS: say it runs (a file in DIR), then take SECONDS.
        folder, seconds = environ["QUERY_STRING"].split("&")
        open(os.path.join(folder, str(os.getpid()) + "-" + str(time.monotonic())), "w").close()
        time.sleep(float(seconds))
    info = {
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "leaked": sorted(k for k in os.environ if k.startswith(MASTERS)),
    }
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(info).encode()]
