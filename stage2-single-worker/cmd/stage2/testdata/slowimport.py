"""An app whose import never ends, as a big Django project's seems to: for
the test of signals that arrive while the server is loading the app.

It writes its pid to the file $SLOWIMPORT_MARK names once the import has
begun, then waits until its parent is gone.
"""
import os
import time

with open(os.environ["SLOWIMPORT_MARK"] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(os.environ["SLOWIMPORT_MARK"] + ".tmp", os.environ["SLOWIMPORT_MARK"])
_parent = os.getppid()
while os.getppid() == _parent:
    time.sleep(0.01)


def app(environ, start_response):
    start_response("200 OK", [])
    return [b"never loaded"]
