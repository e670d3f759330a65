"""The smallest WSGI app: what every stage of gunicorn-go serves first.

Run it with gunicorn (`gunicorn hello:app`) or with gunicorn-go's stage 1
(`stage1 --chdir shared/examples hello:app`).
"""


def app(environ, start_response):
    data = b"<html>Hello, world!</html>"
    start_response("200 OK", [
        ("Content-Type", "text/html"),
        ("Content-Length", str(len(data))),
    ])
    return iter([data])


# `hello` alone means `hello:application`, gunicorn's default name.
application = app
