# A config file as they are in production: a program, not a list of values.
import multiprocessing
import os

print("loading the config")  # must not spoil the report
workers = max(multiprocessing.cpu_count(), 1) * 0 + 4
bind = os.environ.get("NO_SUCH_VARIABLE", "0.0.0.0:9000")
loglevel = "warning"
preload_app = True  # a gunicorn setting the sketch does not have


def post_fork(server, worker):  # a hook: neither reported nor a setting
    server.log.info("worker %s ready", worker.pid)
