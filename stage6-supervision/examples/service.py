"""Play systemd for a Type=notify service with KillMode=mixed: a learner's
stand-in for a .service unit, where systemd does not run.

It starts PROGRAM with NOTIFY_SOCKET naming a datagram socket of its own,
prints each message the service sends ("systemd: READY=1, STATUS=..."),
follows MAINPID=, and passes on the signals it gets to the main process,
as systemctl does:

    kill -HUP $!     systemctl reload (ExecReload=/bin/kill -HUP $MAINPID)
    kill -USR2 $!    systemctl kill -s USR2 --kill-whom=main
    kill $!          systemctl stop: TERM to the main process only

When the main process exits, whatever is left of the service is killed
(SIGKILL), as KillMode=mixed does, and the script exits with the main
process's status. Like systemd, it is a "subreaper": a process of the
service whose parent exits becomes its child, not init's.

    python3 stage6-supervision/examples/service.py bin/gunicorn-go -b 127.0.0.1:8000 go:hello
"""

import ctypes
import os
import select
import signal
import socket
import sys
import tempfile

PR_SET_CHILD_SUBREAPER = 36
FORWARDED = [signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGWINCH,
             signal.SIGTTIN, signal.SIGTTOU, signal.SIGTERM, signal.SIGINT, signal.SIGQUIT]


def say(text):
    print("systemd: " + text, file=sys.stderr, flush=True)


def descendants(root):
    """The pids of every process below root, from /proc."""
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name) as f:
                    stat = f.read()
                parents[int(name)] = int(stat[stat.rindex(")") + 2:].split()[1])
            except (OSError, ValueError):
                pass
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child, parent in parents.items():
            if parent == pid:
                found.append(child)
                todo.append(child)
    return found


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: service.py PROGRAM [ARG...]")
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    pending = []
    for sig in FORWARDED:
        signal.signal(sig, lambda sig, frame: pending.append(sig))
    main_pid = os.fork()
    if main_pid == 0:
        sock.close()
        for sig in FORWARDED:
            signal.signal(sig, signal.SIG_DFL)
        os.environ["NOTIFY_SOCKET"] = path
        os.execvp(sys.argv[1], sys.argv[1:])
    status = None
    while status is None:
        ready, _, _ = select.select([sock], [], [], 0.05)
        if ready:
            message = sock.recv(4096).decode()
            say(", ".join(message.split("\n")))
            for line in message.split("\n"):
                if line.startswith("MAINPID="):
                    main_pid = int(line[len("MAINPID="):])
                    say("the main process is now %d" % main_pid)
        while pending:
            os.kill(main_pid, pending.pop(0))
        while True:  # reap: the main process, or an orphan of the service
            try:
                pid, code = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid == main_pid:
                status = os.waitstatus_to_exitcode(code)
    left = descendants(os.getpid())
    say("the main process exited (status %d)%s" % (status, "; killing the rest: %s" % left if left else ""))
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    while True:
        try:
            os.wait()
        except ChildProcessError:
            break
    sock.close()
    os.remove(path)
    os.rmdir(folder)
    sys.exit(max(status, 0))


if __name__ == "__main__":
    main()
