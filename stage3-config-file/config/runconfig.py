"""Run a gunicorn config file and report its top-level names to gunicorn-go.

Usage: python3 runconfig.py file PATH | module NAME

The file runs as gunicorn runs it: as a module named __config__, with
__file__ set and its directory first on sys.path (the current directory for
python:NAME). The names it defines are written as one JSON object on file
descriptor 3, so that the file's own prints (stdout, stderr) stay apart:

    {"names": {"workers": 9, "bind": ["unix:/run/app.sock"],
               "post_fork": {"__gunicorn_go__": "function", "callable": true}},
     "environ": {"DJANGO_SETTINGS_MODULE": "project.settings"}}
    {"error": {"type": "NameError", "message": "...", "file": "/abs/path", "line": 3}}

"environ" holds the variables the file set or changed in os.environ: gunicorn
runs its config file in the master process, whose environment the workers
and the app inherit, so gunicorn-go hands them on to the app the same way.

Values JSON cannot carry (functions, modules, objects) are reported by their
type's name. This script always exits 0 when it could report; the Go side
turns an "error" into the message the operator sees.
"""
import importlib
import importlib.machinery
import importlib.util
import json
import math
import os
import sys
import traceback

MARK = "__gunicorn_go__"


def describe(value, depth=0):
    """Turn a Python value into JSON-able data, or a marker naming its type."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if depth < 16 and isinstance(value, (list, tuple)):
        return [describe(v, depth + 1) for v in value]
    if depth < 16 and isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: describe(v, depth + 1) for k, v in value.items()}
    return {MARK: type(value).__name__, "callable": callable(value)}


def where(exc, path):
    """The line of the config file the exception came from, or None."""
    if isinstance(exc, SyntaxError) and exc.filename and path and same(exc.filename, path):
        return exc.lineno
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if path and same(frame.filename, path):
            line = frame.lineno
    return line


def same(a, b):
    try:
        return os.path.abspath(a) == os.path.abspath(b)
    except (TypeError, ValueError):
        return False


def message(exc):
    if isinstance(exc, SyntaxError):
        return exc.msg
    if isinstance(exc, SystemExit):
        return "exit(%r)" % (exc.code,)
    return str(exc)


def run_file(path):
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    loader = importlib.machinery.SourceFileLoader("__config__", path)
    spec = importlib.util.spec_from_file_location("__config__", path, loader=loader)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["__config__"] = mod
    spec.loader.exec_module(mod)
    return vars(mod)


def run_module(name):
    return vars(importlib.import_module(name))


def main():
    mode, target = sys.argv[1], sys.argv[2]
    if sys.path and sys.path[0] == "":  # python -c put the current directory first
        del sys.path[0]
    os.set_inheritable(3, False)
    out = os.fdopen(3, "w")
    # A process the file forks must not hold the report's pipe open: Go
    # reads it to the end.
    os.register_at_fork(after_in_child=lambda: os.close(3))
    path = target if mode == "file" else None
    before = dict(os.environ)
    try:
        if mode == "module":
            sys.path.insert(0, os.getcwd())
            try:
                spec = importlib.util.find_spec(target)
                path = spec.origin if spec else None
            except Exception:
                path = None
            names = run_module(target)
        else:
            names = run_file(target)
        result = {"names": {k: describe(v) for k, v in names.items() if not k.startswith("__")},
                  "environ": {k: v for k, v in os.environ.items() if before.get(k) != v}}
    except BaseException as exc:  # SystemExit and KeyboardInterrupt too: report, never hang
        result = {"error": {"type": type(exc).__name__, "message": message(exc),
                            "file": path, "line": where(exc, path)}}
    json.dump(result, out)
    out.close()


main()
