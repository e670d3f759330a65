# A gunicorn.conf.py as the gunicorn docs write them: it runs unchanged.
import multiprocessing
import os

bind = os.environ.get("BIND", "unix:/run/myproject.sock")
workers = multiprocessing.cpu_count() * 2 + 1
accesslog = "-"
preload_app = True  # a gunicorn setting gunicorn-go does not have: warned, not fatal


def post_fork(server, worker):  # a server hook: warned, not fatal
    server.log.info("worker %s ready", worker.pid)
