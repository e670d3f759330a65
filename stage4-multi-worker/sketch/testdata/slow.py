"""A slow view, for chapter 4 and its sketch: /?SECONDS sleeps that long,
as a view waiting for a database would, then says which worker answered."""

import os
import time


def app(environ, start_response):
    seconds = float(environ["QUERY_STRING"] or 0)
    time.sleep(seconds)  # the line a stuck worker's traceback names
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"pid %d slept %gs\n" % (os.getpid(), seconds)]
