package server

import (
	"net"
	"strconv"
	"strings"
	"sync"

	"gunicorn-go/stage1-wsgi-hello/wsgi"
	"gunicorn-go/stage2-single-worker/http1"
)

func varOf(key, value string) wsgi.Var { return wsgi.Var{Key: key, Value: value} }

// learnAddrs records the client's and the server's addresses once per
// connection: REMOTE_ADDR/REMOTE_PORT and SERVER_NAME/SERVER_PORT.
func (c *conn) learnAddrs() {
	c.remoteAddr, c.remotePort = splitAddr(c.nc.RemoteAddr())
	c.serverName, c.serverPort = splitAddr(c.nc.LocalAddr())
	local := c.nc.LocalAddr()
	unix := local != nil && local.Network() == "unix"
	c.trustedProxy = c.s.proxies().trusts(c.remoteAddr, unix)
}

func splitAddr(a net.Addr) (host, port string) {
	if a == nil {
		return "", ""
	}
	if a.Network() == "unix" {
		// A unix socket has a path and no port. A client's socket usually
		// has no path, which Go writes "@" and Python, so gunicorn's
		// REMOTE_ADDR, "".
		if name := a.String(); name != "@" {
			return name, ""
		}
		return "", ""
	}
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String(), ""
	}
	return host, port
}

// buildEnviron fills c.env for c.req, as PEP 3333 and gunicorn describe it.
func (c *conn) buildEnviron() error {
	s, req, env := c.s, &c.req, &c.env
	clear(env.Vars) // the last request's strings: let them go
	env.Vars = env.Vars[:0]
	if cap(env.Vars) > maxKeptVars {
		env.Vars = nil
	}

	path, err := http1.Unescape(req.Path)
	if err != nil {
		return &http1.Error{Status: 400, Reason: "bad percent-encoding in path " + strconv.Quote(req.Path)}
	}
	if req.Target == "*" {
		// OPTIONS * asks about the server, not a resource: there is no
		// path, and PEP 3333 wants PATH_INFO empty or starting with "/".
		// RAW_URI keeps the "*".
		path = ""
	}
	script := s.ScriptName
	if underScript(path, script) {
		path = path[len(script):]
	}

	env.Vars = append(env.Vars,
		varOf("REQUEST_METHOD", req.Method),
		varOf("SCRIPT_NAME", script),
		varOf("PATH_INFO", path),
		varOf("QUERY_STRING", req.Query),
		varOf("RAW_URI", req.Target),
		varOf("SERVER_PROTOCOL", req.Proto),
		varOf("SERVER_SOFTWARE", Software),
		varOf("REMOTE_ADDR", c.remoteAddr),
	)
	if c.remotePort != "" {
		env.Vars = append(env.Vars, varOf("REMOTE_PORT", c.remotePort))
	}
	scheme, trust := c.scheme(), s.proxies()
	if c.trustedProxy {
		if scheme, err = trust.scheme(req, scheme); err != nil {
			return err
		}
	}
	name, port := c.serverName, c.serverPort
	switch {
	case req.Scheme != "":
		// An absolute-form target ("GET http://example.com/ HTTP/1.1", as
		// sent to a proxy) names the server itself, and overrides the Host
		// header (RFC 9112 §3.2.2): CGI's SERVER_NAME is the host "to
		// which the client request is directed" (RFC 3875 §4.1.14).
		name, port = hostPort(req.Host, req.Scheme)
	case port == "" && req.Host != "":
		// A unix socket has no name or port for the client to have
		// reached: as in gunicorn, they come from the Host header, the
		// port from the scheme when the header has none.
		name, port = hostPort(req.Host, scheme)
	}
	// A unix socket and no Host (HTTP/1.0): the socket's path and no port,
	// as gunicorn gives them.
	env.Vars = append(env.Vars, varOf("SERVER_NAME", name), varOf("SERVER_PORT", port))
	if req.Host != "" {
		// The Host header, or the absolute-form target's authority that
		// replaces it (http1 chose; a second Host was refused).
		env.Vars = append(env.Vars, varOf("HTTP_HOST", req.Host))
	}

	c.headerVars(trust)

	env.Input = c.input.reader()
	env.Errors = s.ErrorLog.Stream()
	env.URLScheme = scheme
	env.Multithread = s.Multithread
	env.Multiprocess = s.Multiprocess
	env.RunOnce = false
	return nil
}

// underScript reports whether path lies under the mount point script: equal
// to it or below it ("/app" or "/app/x", never "/application").
func underScript(path, script string) bool {
	return script != "" && strings.HasPrefix(path, script) &&
		(len(path) == len(script) || path[len(script)] == '/')
}

// scheme is the connection's wsgi.url_scheme before a trusted proxy's
// headers have their say: https on a TLS connection, else the server's.
func (c *conn) scheme() string {
	if c.tls {
		return "https"
	}
	if c.s.URLScheme != "" {
		return c.s.URLScheme
	}
	return "http"
}

// hostPort splits a Host value or authority into SERVER_NAME and
// SERVER_PORT, the port defaulting to the scheme's.
func hostPort(host, scheme string) (string, string) {
	if h, p, err := net.SplitHostPort(host); err == nil && p != "" {
		return h, p
	} else if err == nil {
		host = h // "example.com:", an empty port (RFC 3986 §3.2.3)
	}
	if scheme == "https" {
		return host, "443"
	}
	return host, "80"
}

// headerVars appends the request's header fields to c.env.Vars: HTTP_NAME,
// CONTENT_TYPE and CONTENT_LENGTH. A name sent more than once gets its
// values joined with commas, in the order received, as gunicorn does (RFC
// 9110 §5.3; http1 has refused the singletons that cannot be joined). Host
// is not among them: buildEnviron has set HTTP_HOST. Nor, from a peer not
// trusted with them, are the secure scheme headers (see forwarded.go).
//
// The cost is linear in the number of fields, which a client chooses (up to
// limit_request_fields, 32768 at most): a repeated name is found in a map
// once a request has more than scanFields fields, and joined values are
// copied once, into one buffer, rather than grown by += (20,000 values
// took seconds that way).
func (c *conn) headerVars(trust *proxyTrust) {
	req, env := &c.req, &c.env
	base := len(env.Vars) // header vars start here
	sc := scratchPool.Get().(*environScratch)
	defer sc.put()
	byMap := len(req.Headers) > scanFields
	if byMap && sc.index == nil {
		sc.index = make(map[string]int32, len(req.Headers))
	}
	repeated := false
	for _, h := range req.Headers {
		key, ok := c.environKey(h.Name)
		if !ok || key == "HTTP_HOST" || (!c.trustedProxy && trust.isSchemeKey(key)) {
			sc.slots = append(sc.slots, -1)
			continue
		}
		j := int32(-1)
		if byMap {
			if k, hit := sc.index[key]; hit {
				j = k
			}
		} else {
			j = indexVar(env.Vars[base:], key)
		}
		if j < 0 {
			j = int32(len(env.Vars) - base)
			env.Vars = append(env.Vars, varOf(key, h.Value))
			sc.joins = append(sc.joins, varJoin{n: -1})
			if byMap {
				sc.index[key] = j
			}
		} else {
			if sc.joins[j].n < 0 {
				sc.joins[j].n = len(env.Vars[base+int(j)].Value)
			}
			sc.joins[j].n += 1 + len(h.Value)
			repeated = true
		}
		sc.slots = append(sc.slots, j)
	}
	if repeated {
		sc.join(env.Vars[base:], req.Headers)
	}
}

// scanFields is the most header fields for which headerVars looks for a
// repeated name by scanning the vars so far rather than with a map: a
// request has a dozen, and a scan of a dozen strings beats hashing.
const scanFields = 32

// maxKeptVars bounds the environ vars a connection keeps from one request
// to the next, so that one request with thousands of fields does not pin
// their memory for the connection's life.
const maxKeptVars = 1024

// environScratch is headerVars' working memory, pooled: a request with
// thousands of fields needs it, and most requests on a connection would
// only carry it around.
type environScratch struct {
	index map[string]int32 // environ key -> its var, past scanFields fields
	slots []int32          // header i -> its var (from base), -1 when dropped
	joins []varJoin        // per header var: the joined value's length
}

// varJoin is a header var's joined value, when its name was repeated: n
// bytes (-1 when the name came once), written at buf[start:start+n], at
// being where the next value goes, after a comma once some value has.
type varJoin struct {
	n, start, at int
	some         bool
}

var scratchPool = sync.Pool{New: func() any { return new(environScratch) }}

// put empties sc and returns it to the pool, without the memory of an
// unusually large request.
func (sc *environScratch) put() {
	if len(sc.index) > maxKeptVars {
		sc.index = nil
	}
	clear(sc.index)
	sc.slots, sc.joins = sc.slots[:0], sc.joins[:0]
	if cap(sc.joins) > maxKeptVars {
		sc.joins = nil // slots are 4 bytes a field, and the fields are bounded
	}
	scratchPool.Put(sc)
}

// join replaces the value of every var whose name was repeated by all its
// values in order, comma-separated: one buffer for all of them, each value
// copied once.
func (sc *environScratch) join(vars []wsgi.Var, headers []http1.Header) {
	total := 0
	for j := range sc.joins {
		if jn := &sc.joins[j]; jn.n >= 0 {
			jn.start, jn.at = total, total
			total += jn.n
		}
	}
	buf := make([]byte, total)
	for i, j := range sc.slots {
		if j < 0 || sc.joins[j].n < 0 {
			continue
		}
		jn := &sc.joins[j]
		if jn.some {
			buf[jn.at] = ','
			jn.at++
		}
		jn.at += copy(buf[jn.at:], headers[i].Value)
		jn.some = true
	}
	joined := string(buf)
	for j, jn := range sc.joins {
		if jn.n >= 0 {
			vars[j].Value = joined[jn.start : jn.start+jn.n]
		}
	}
}

// indexVar returns the index in vars of key, or -1.
func indexVar(vars []wsgi.Var, key string) int32 {
	for i := range vars {
		if vars[i].Key == key {
			return int32(i)
		}
	}
	return -1
}

// environKey maps a header name to its environ key: Content-Type and
// Content-Length become CONTENT_TYPE and CONTENT_LENGTH, every other header
// HTTP_NAME with '-' turned into '_'. A name holding '_' is dropped (ok is
// false): once mapped, "X_Forwarded_For" would be indistinguishable from
// "X-Forwarded-For", and a proxy that vouches for the latter does not
// filter the former. The mapping is cached per connection, since clients
// repeat the same headers on every request.
func (c *conn) environKey(name string) (key string, ok bool) {
	if k, hit := c.keys[name]; hit {
		return k, k != ""
	}
	if strings.IndexByte(name, '_') >= 0 {
		c.cacheKey(name, "")
		return "", false
	}
	key = headerKey(name)
	c.cacheKey(name, key)
	return key, true
}

// headerKey is the environ key of a header name.
func headerKey(name string) string {
	upper := strings.ToUpper(name)
	switch upper {
	case "CONTENT-TYPE":
		return "CONTENT_TYPE"
	case "CONTENT-LENGTH":
		return "CONTENT_LENGTH"
	}
	return "HTTP_" + strings.ReplaceAll(upper, "-", "_")
}

func (c *conn) cacheKey(name, key string) {
	if len(c.keys) < 64 {
		// Copy the name: it points into the request's buffer.
		c.keys[strings.Clone(name)] = key
	}
}

// reqHeader is the last value of the request header name, in any case, for
// the access log's %({name}i)s, as in gunicorn; ok is false when there is
// none. A name holding '_' is not found: buildEnviron drops those headers,
// and so does gunicorn, from its log's headers too.
func (c *conn) reqHeader(name string) (string, bool) {
	if strings.IndexByte(name, '_') >= 0 {
		return "", false
	}
	h := c.req.Headers
	for i := len(h) - 1; i >= 0; i-- {
		if strings.EqualFold(h[i].Name, name) {
			return h[i].Value, true
		}
	}
	return "", false
}
