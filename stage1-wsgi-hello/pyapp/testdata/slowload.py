"""A module whose import never ends, for LoadContext's cancellation test.

It first writes its pid to the file $SLOWLOAD_MARK names, so the test knows
the import has begun. It ignores SIGTERM and records that it got one in the
same file plus ".term", so a test can tell a kill from a polite stop.
"""

import os
import signal
import time


def _term(signum, frame):
    with open(os.environ["SLOWLOAD_MARK"] + ".term", "w") as f:
        f.write("term")


signal.signal(signal.SIGTERM, _term)
with open(os.environ["SLOWLOAD_MARK"] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(os.environ["SLOWLOAD_MARK"] + ".tmp", os.environ["SLOWLOAD_MARK"])
_parent = os.getppid()
while os.getppid() == _parent:  # a killed test leaves no orphan
    time.sleep(0.01)
