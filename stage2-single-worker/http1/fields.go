package http1

import (
	"math"
	"strings"
)

// checkFields reads what the header fields say about the message: its Host,
// how its body is framed, whether the connection persists, and whether the
// client awaits "100 Continue". Body framing is where request smuggling
// lives (RFC 9112 §11.2): a server and a proxy that disagree on where a body
// ends disagree on where the next request starts. So every ambiguity is
// refused rather than resolved: Content-Length with Transfer-Encoding,
// conflicting lengths, chunked twice or not last, a malformed number.
func (r *Request) checkFields() error {
	hostFromURL := r.Host != "" // absolute-form set it; the Host header is then ignored
	length := int64(-1)         // -1 until a Content-Length is seen
	var (
		hosts             int
		te                codings
		closeOpt, keepOpt bool
		expectContinue    bool
	)
	for _, h := range r.Headers {
		var err error
		switch {
		case equalFold(h.Name, "host"):
			if hosts++; hosts > 1 {
				return badRequest("more than one Host header")
			}
			if _, _, ok := splitHostPort(h.Value); !ok {
				return badRequest("bad Host header")
			}
			if !hostFromURL {
				r.Host = h.Value
			}
		case equalFold(h.Name, "content-length"):
			length, err = contentLength(h.Value, length)
		case equalFold(h.Name, "transfer-encoding"):
			te.add(h.Value)
		case equalFold(h.Name, "connection"):
			closeOpt, keepOpt = connectionTokens(h.Value, closeOpt, keepOpt)
		case equalFold(h.Name, "expect"):
			expectContinue, err = expectation(h.Value, expectContinue)
		}
		if err != nil {
			return err
		}
	}
	if r.Minor == 1 && hosts == 0 {
		return badRequest("HTTP/1.1 request without Host") // RFC 9112 §3.2
	}
	if te.seen {
		if err := te.check(r.Minor, length >= 0); err != nil {
			return err
		}
		r.Chunked = true
	}
	r.ContentLength = length
	r.KeepAlive = !closeOpt && (r.Minor == 1 || keepOpt) // RFC 9112 §9.3
	r.Expect100 = expectContinue && r.Minor == 1         // RFC 9110 §10.1.1: ignored in HTTP/1.0
	return nil
}

// contentLength parses a Content-Length value given the length seen so far
// (-1 for none). The value must be one decimal number: signs, spaces inside
// and overflows are refused, and so is a list ("5, 5"), which RFC 9110 §8.6
// lets a recipient accept but a proxy in front may read otherwise. The same
// number repeated in a second field is accepted; two different ones are not.
func contentLength(v string, seen int64) (int64, error) {
	n, ok := parseDecimal(v)
	if !ok {
		return 0, badRequest("bad Content-Length")
	}
	if seen >= 0 && n != seen {
		return 0, badRequest("conflicting Content-Length values")
	}
	return n, nil
}

// parseDecimal parses 1*DIGIT into an int64, refusing overflow.
func parseDecimal(s string) (int64, bool) {
	if !isDigits(s) {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		d := int64(s[i] - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// codings collects the transfer codings of all Transfer-Encoding fields, in
// order (RFC 9112 §6.1).
type codings struct {
	seen    bool // a Transfer-Encoding field was present
	count   int  // non-empty list elements
	chunked bool // chunked was among them
	afterCh bool // some coding came after chunked (chunked twice included)
	unknown bool // a coding other than chunked
	bad     bool // an element that is not a token, or chunked with parameters
}

func (c *codings) add(v string) {
	c.seen = true
	for rest, more := v, true; more; {
		var elem string
		elem, rest, more = nextElement(rest)
		if elem == "" {
			continue
		}
		c.count++
		name, _, hasParams := strings.Cut(elem, ";")
		name = trimOWS(name)
		switch {
		case !isToken(name):
			c.bad = true
		case c.chunked:
			c.afterCh = true
		}
		if equalFold(name, "chunked") {
			c.chunked = true
			c.bad = c.bad || hasParams
		} else {
			c.unknown = true
		}
	}
}

// check applies RFC 9112 §6.1 and §6.3 to the codings: chunked must be the
// final coding, once, on an HTTP/1.1 request without Content-Length (400
// otherwise); any other coding is one we do not implement (501).
func (c *codings) check(minor int, hasLength bool) error {
	switch {
	case minor == 0:
		return badRequest("Transfer-Encoding in an HTTP/1.0 request")
	case hasLength:
		return badRequest("both Transfer-Encoding and Content-Length")
	case c.count == 0 || c.bad:
		return badRequest("bad Transfer-Encoding")
	case c.afterCh:
		return badRequest("chunked is not the final transfer coding")
	case c.unknown:
		return notImplemented("transfer coding other than chunked")
	}
	return nil
}

// connectionTokens notes the "close" and "keep-alive" options of a
// Connection field (RFC 9112 §9.3, §9.6); other options are ignored.
func connectionTokens(v string, closeOpt, keepOpt bool) (bool, bool) {
	for rest, more := v, true; more; {
		var elem string
		elem, rest, more = nextElement(rest)
		switch {
		case equalFold(elem, "close"):
			closeOpt = true
		case equalFold(elem, "keep-alive"):
			keepOpt = true
		}
	}
	return closeOpt, keepOpt
}

// expectation reads an Expect field (RFC 9110 §10.1.1): "100-continue" in
// any case is the only expectation defined; a server that receives another
// may answer 417, and we do.
func expectation(v string, cont bool) (bool, error) {
	for rest, more := v, true; more; {
		var elem string
		elem, rest, more = nextElement(rest)
		switch {
		case elem == "":
		case equalFold(elem, "100-continue"):
			cont = true
		default:
			return false, expectFailed("unsupported expectation")
		}
	}
	return cont, nil
}
