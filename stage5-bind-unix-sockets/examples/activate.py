"""Start a program with a listening socket, as systemd's socket activation
starts a service: bind ADDRESS, put the socket at descriptor 3, set
LISTEN_FDS=1, LISTEN_FDNAMES and LISTEN_PID, then exec the program.

systemd forks, sets LISTEN_PID to the child's pid, and execs the service in
the child; this script execs in place, which keeps its own pid, so
LISTEN_PID is simply its pid. A learner's stand-in for a .socket unit:

    python3 stage5-bind-unix-sockets/examples/activate.py 127.0.0.1:8000 bin/stage5 go:hello
    python3 stage5-bind-unix-sockets/examples/activate.py unix:/tmp/app.sock bin/sketch5
"""

import os
import socket
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: activate.py HOST:PORT|unix:PATH PROGRAM [ARG...]")
    where, argv = sys.argv[1], sys.argv[2:]
    if where.startswith("unix:"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(where[len("unix:"):])
    else:
        host, _, port = where.rpartition(":")
        family = socket.AF_INET6 if host.startswith("[") else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), int(port)))
    sock.listen(128)
    if sock.fileno() != 3:
        os.dup2(sock.fileno(), 3)
    os.set_inheritable(3, True)  # a Python socket is not, by default
    os.environ.update(LISTEN_FDS="1", LISTEN_FDNAMES="activate", LISTEN_PID=str(os.getpid()))
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main()
