// Package http1 reads HTTP/1.1 requests off a connection: the head
// (request line and header fields) and the body, strictly enough that
// nothing in front of the server can be fooled about where one request ends
// and the next begins.
//
// # How a request is framed (RFC 9112)
//
// A request is a head and an optional body (§2.1):
//
//	POST /upload?x=1 HTTP/1.1\r\n          request line: method SP target SP version (§3)
//	Host: example.com\r\n                   field lines: name ":" OWS value OWS (§5)
//	Content-Length: 5\r\n
//	\r\n                                    an empty line ends the head
//	hello                                   the body: 5 bytes, then the next request
//
// Every line ends in CRLF. The head is read line by line and bounded as it
// is read (Limits: a request line over the limit gets 414, too many or too
// long field lines 431), so a client cannot make the server buffer more
// than the limits allow; and all clients together no more than a shared
// budget (see "Memory for large heads" below).
//
// The body has no terminator of its own: the head says how long it is
// (§6.3). Content-Length gives its size in bytes (§6.2). Transfer-Encoding:
// chunked sends it in pieces, each a hex size line then that many bytes
// then CRLF, ending with a zero-size chunk, optional trailer fields and an
// empty line (§7.1):
//
//	5\r\nhello\r\n0\r\n\r\n
//
// With neither, a request has no body. On a persistent connection the byte
// after the body is the first byte of the next request (pipelining, §9.3),
// so reading exactly the body, no more and no less, is what keeps requests
// apart.
//
// # Request targets (§3.2)
//
// The target has four forms. Origin-form, "/path?query", is what clients
// send to a server. Absolute-form, "http://example.com/path", is what they
// send to a proxy, and a server must accept it too: its authority is then
// the request's Host, and any Host header is ignored (§3.2.2), so Host
// holds the authority and Scheme the URL's scheme. Authority-form,
// "example.com:443", is for CONNECT only, and asterisk-form, "*", for
// "OPTIONS *", a question about the server as a whole: Path is "*", and
// the server makes PATH_INFO empty, since no resource is named.
//
// # Why strictness matters: request smuggling (§11.2)
//
// A proxy and a server that frame the same bytes differently disagree about
// where a request ends; the leftover bytes, which the proxy saw as the body
// of one request, become a second request that the proxy never checked. The
// classic disagreements are each refused here with 400:
//
//   - Content-Length together with Transfer-Encoding: one side uses the
//     length, the other the chunks (§6.1 lets a server refuse it).
//   - Two different Content-Lengths, or a list of them (RFC 9110 §8.6).
//   - chunked that is not the last coding, or is there twice (§6.3).
//   - A bare LF as line end (§2.2): one side sees a line end, the other a
//     byte inside a line.
//   - obs-fold, a field line starting with whitespace (§5.2): one side joins
//     it to the previous field, the other reads a new field.
//   - Whitespace between a field name and its colon (§5.1), and control
//     characters (NUL, a lone CR) anywhere.
//   - A chunk size with a sign, "0x", spaces or an overflow (§7.1), and
//     chunk data not followed by CRLF.
//   - A trailer field that must be known before the body: Content-Length,
//     Transfer-Encoding, Host, Authorization, Content-Type and the others
//     of RFC 9110 §6.5.1 (forbiddenTrailers in chunked.go). We ignore
//     trailers, but a proxy that merged them into the header section it
//     passed on would see another request than we do.
//
// A coding other than chunked gets 501 (we implement none), an HTTP
// version other than 1.x 505 (a later 1.x is served as 1.1), and an expectation other than
// 100-continue 417 (RFC 9110 §10.1.1).
//
// # Fields sent once
//
// Most fields are lists: a client may repeat one, and the server joins the
// values with commas (RFC 9110 §5.3). A few are a single value by their
// grammar: Host, Content-Type, Authorization, User-Agent, Range and the
// others listed at singletons in fields.go. Two of them cannot be joined
// into anything meaningful ("text/plain,application/json" is no media type)
// and the app and a proxy in front may each believe a different one, so a
// repeat is refused with 400. The exception is a Content-Length repeating
// the same number, which RFC 9110 §8.6 lets a recipient keep as one field:
// the app sees "7", where "7,7" would make Django answer 500.
//
// # Memory for large heads
//
// The limits bound one head, not many: 300 clients sending heads at
// gunicorn's limits (about 800 KB each) to a slow app held 600 MB. So only
// a head's first smallHead bytes (8 KiB, enough for nearly every real
// request) go into a buffer the connection reuses. A head that goes on
// reserves, from a HeadMemory that all connections share (64 MiB by
// default), the most its rest may take under the limits, and gives back
// what it did not use once it is in. With the budget spent, the
// connection stops reading and waits until memory comes back or its
// deadline passes (ReadRequestUntil), then is refused with 503; the bytes
// wait in the kernel meanwhile. A waiting head holds nothing, so heads
// never wait for one another in a circle. A large head's bytes are read
// straight into the chunks its strings are made of, not copied twice; a
// large trailer section is held the same way. The Request keeps its
// reservation until the next head read into it, or Release.
//
// # Use
//
// A worker keeps one bufio.Reader, Request and Body per connection:
//
//	var req http1.Request
//	var body http1.Body
//	defer req.Release() // a large last head's memory
//	for {
//		err := http1.ReadRequest(br, http1.DefaultLimits, &req)
//		if err != nil {
//			// io.EOF: the client closed; *http1.Error: send e.Status, close
//			return err
//		}
//		body.Reset(br, &req, http1.DefaultLimits)
//		// ... run the app, which reads &body ...
//		io.Copy(io.Discard, &body) // whatever the app left unread
//		if !req.KeepAlive {
//			return nil
//		}
//	}
//
// Percent-decoding the path for PATH_INFO is the server's business; Unescape
// does it.
package http1
