"""Talks to a stage 2 server serving go:echo with Python's http.client.

usage: httpclient.py HOST PORT. Prints one "ok NAME" line per check and exits
non-zero, with the reason, at the first failure.
"""
import http.client
import sys

host, port = sys.argv[1], int(sys.argv[2])


def environ(body):
    head, _, rest = body.partition(b"\n\n")
    pairs = (line.split(b"=", 1) for line in head.split(b"\n") if line)
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in pairs}, rest


def check(name, cond, detail):
    if not cond:
        sys.exit("FAIL %s: %s" % (name, detail))
    print("ok", name)


# Several requests on one connection: the server keeps it open.
conn = http.client.HTTPConnection(host, port, timeout=15)
ports = set()
for path in ("/one", "/two?x=1", "/three"):
    conn.request("GET", path)
    resp = conn.getresponse()
    env, _ = environ(resp.read())
    check("keep-alive " + path, resp.status == 200 and env["RAW_URI"] == path,
          "status %d, RAW_URI %r" % (resp.status, env.get("RAW_URI")))
    check("keep-alive header " + path, resp.getheader("Connection") == "keep-alive",
          "Connection: %r" % resp.getheader("Connection"))
    ports.add(env["REMOTE_PORT"])
check("one connection", len(ports) == 1, "client ports %s" % sorted(ports))

# A POST with a form body on the same connection.
conn.request("POST", "/form", body=b"a=1&b=two",
             headers={"Content-Type": "application/x-www-form-urlencoded"})
resp = conn.getresponse()
env, body = environ(resp.read())
check("post", resp.status == 200 and body == b"a=1&b=two", "status %d, body %r" % (resp.status, body))
check("post environ", env.get("CONTENT_TYPE") == "application/x-www-form-urlencoded"
      and env.get("CONTENT_LENGTH") == "9" and env.get("REQUEST_METHOD") == "POST", repr(env))

# A chunked POST: the body's size is unknown to the client.
conn.request("POST", "/chunked", body=iter([b"first,", b"second,", b"third"]), encode_chunked=True)
resp = conn.getresponse()
env, body = environ(resp.read())
check("chunked post", resp.status == 200 and body == b"first,second,third", "status %d, body %r" % (resp.status, body))
check("chunked post environ", "CONTENT_LENGTH" not in env, repr(env))
conn.close()

# HTTP/1.0: answered in HTTP/1.0; the connection closes after the response.
conn10 = http.client.HTTPConnection(host, port, timeout=15)
conn10._http_vsn, conn10._http_vsn_str = 10, "HTTP/1.0"
conn10.request("GET", "/old?v=10")
resp = conn10.getresponse()
env, _ = environ(resp.read())
check("http/1.0", resp.status == 200 and resp.version == 10 and env.get("SERVER_PROTOCOL") == "HTTP/1.0",
      "status %d, version %d, SERVER_PROTOCOL %r" % (resp.status, resp.version, env.get("SERVER_PROTOCOL")))
check("http/1.0 closes", resp.getheader("Connection") == "close", "Connection: %r" % resp.getheader("Connection"))
conn10.close()
