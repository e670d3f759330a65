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
// conflicting lengths, chunked twice or not last, a malformed number. A
// singleton field sent twice is refused too, except for a Content-Length
// repeating the same number, which is kept once (RFC 9110 §8.6).
func (r *Request) checkFields() error {
	hostFromURL := r.Host != "" // absolute-form set it; the Host header is then ignored
	length := int64(-1)         // -1 until a Content-Length is seen
	var (
		seen              [len(singletons)]bool
		te                codings
		closeOpt, keepOpt bool
		expectContinue    bool
	)
	kept := r.Headers[:0] // the fields, without repeated Content-Lengths
	for _, h := range r.Headers {
		var err error
		single := singleton(h.Name)
		if single >= 0 {
			if seen[single] && single != contentLengthField {
				return badRequest("more than one " + singletons[single] + " field")
			}
		}
		switch single {
		case hostField:
			if _, _, ok := splitHostPort(h.Value); !ok {
				return badRequest("bad Host header")
			}
			if !hostFromURL {
				r.Host = h.Value
			}
		case contentLengthField:
			if length, err = contentLength(h.Value, length); err != nil {
				return err
			}
			if seen[single] {
				continue // the same length again: one field is what the app sees
			}
		case -1:
			switch {
			case equalFold(h.Name, "transfer-encoding"):
				te.add(h.Value)
			case equalFold(h.Name, "connection"):
				closeOpt, keepOpt = connectionTokens(h.Value, closeOpt, keepOpt)
			case equalFold(h.Name, "expect"):
				expectContinue, err = expectation(h.Value, expectContinue)
			}
		}
		if err != nil {
			return err
		}
		if single >= 0 {
			seen[single] = true
		}
		kept = append(kept, h)
	}
	clear(r.Headers[len(kept):]) // what was dropped no longer points into the head
	r.Headers = kept
	if r.Minor == 1 && !seen[hostField] {
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

// singletons are the request fields that RFC 9110 defines as one value
// rather than a comma-separated #list (§5.6.1). A sender must not repeat
// them (§5.3), and a repeat cannot be merged: the server would join the two
// values with a comma, and "text/plain,application/json" is not a media
// type; an app or a proxy in front may read one value or the other. So a
// repeat gets 400, as a second Host always did (RFC 9112 §3.2). The list,
// by the grammar in RFC 9110:
//
//	Host = uri-host [ ":" port ]                  §7.2
//	Content-Length = 1*DIGIT                      §8.6 (the same number twice is kept once)
//	Content-Type = media-type                     §8.3
//	Content-Location = absolute-URI / partial-URI §8.7
//	Content-Range = range-unit SP ...             §14.4
//	Date = HTTP-date                              §6.6.1
//	Max-Forwards = 1*DIGIT                        §7.6.2
//	From = mailbox                                §10.1.2
//	Referer = absolute-URI / partial-URI          §10.1.3
//	User-Agent = product *( RWS ... )             §10.1.5
//	Authorization = credentials                   §11.6.2
//	Proxy-Authorization = credentials             §11.7.2
//	If-Modified-Since = HTTP-date                 §13.1.3
//	If-Unmodified-Since = HTTP-date               §13.1.4
//	If-Range = entity-tag / HTTP-date             §13.1.5
//	Range = ranges-specifier                      §14.2
//
// Singletons that only responses carry (Location, Server, ETag,
// Last-Modified, Retry-After) mean nothing in a request and are left alone;
// every other field is a list, or unknown to us, and its repeats are joined
// by the server, as RFC 9110 §5.3 allows. Cookie, whose RFC 6265 §5.4 asks
// clients for one field, is left alone too: HTTP/2 proxies split it.
var singletons = [...]string{
	"Host", "Content-Length", // hostField, contentLengthField
	"Content-Type", "Content-Location", "Content-Range", "Date", "Max-Forwards", "From", "Referer",
	"User-Agent", "Authorization", "Proxy-Authorization", "If-Modified-Since",
	"If-Unmodified-Since", "If-Range", "Range",
}

// Indexes in singletons of the fields checkFields reads.
const (
	hostField          = 0
	contentLengthField = 1
)

// singletonTable finds a singleton by its name's length and first letter,
// which tell every one of them apart: one lookup and one comparison per
// field, on every request.
var singletonTable = func() (t [20][26]int8) {
	for i, name := range singletons {
		slot := &t[len(name)][(name[0]|0x20)-'a']
		if *slot != 0 {
			panic("http1: singletons " + name + " and " + singletons[*slot-1] + " share a slot")
		}
		*slot = int8(i + 1)
	}
	return t
}()

// singleton returns the index in singletons of the field name, any case,
// or -1 if it is not one.
func singleton(name string) int {
	if len(name) >= len(singletonTable) {
		return -1
	}
	c := name[0] | 0x20 // ASCII lower case
	if c < 'a' || c > 'z' {
		return -1
	}
	i := int(singletonTable[len(name)][c-'a']) - 1
	if i < 0 {
		return -1
	}
	// The singletons' names are letters and '-', and name is a token:
	// setting bit 0x20 lowers a letter and changes no other token byte
	// into one of those, so this is equalFold, cheaper.
	lower := singletonsLower[i]
	for j := 1; j < len(name); j++ {
		if name[j]|0x20 != lower[j] {
			return -1
		}
	}
	return i
}

// singletonsLower are the singletons' names in lower case.
var singletonsLower = func() (lower [len(singletons)]string) {
	for i, name := range singletons {
		lower[i] = strings.ToLower(name)
	}
	return lower
}()

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
