package http1

// Limits bound what a client may send in a request head, with gunicorn's
// semantics: a line longer than RequestLine is refused with 414, a head with
// more than Fields field lines or a field line longer than FieldSize with 431.
// Lengths count the line's bytes without its CRLF.
//
// Zero means "unlimited" for RequestLine and FieldSize, as in gunicorn, but
// the parser still stops at hardLineCap (64 KiB; larger limits are cut to
// it too) so a client cannot exhaust memory;
// Fields <= 0 means gunicorn's maximum, 32768. The whole head is bounded by
// maxHeadBytes whatever the limits say.
type Limits struct {
	RequestLine int // longest request line in bytes (gunicorn's limit_request_line); 0 = unlimited
	Fields      int // most header fields (limit_request_fields)
	FieldSize   int // longest header field line in bytes (limit_request_field_size); 0 = unlimited
}

// DefaultLimits are gunicorn's defaults.
var DefaultLimits = Limits{RequestLine: 4094, Fields: 100, FieldSize: 8190}

// Hard bounds that hold whatever Limits say.
const (
	hardLineCap    = 64 << 10 // longest line when a limit is 0 ("unlimited")
	hardFieldCap   = 32768    // most fields when Limits.Fields <= 0 (gunicorn's maximum)
	maxHeadBytes   = 1 << 20  // whole request head, CRLFs included
	maxEmptyLines  = 8        // empty lines skipped before a request line (RFC 9112 §2.2)
	maxChunkLine   = 4 << 10  // chunk-size line with its extensions
	maxRetainedBuf = 64 << 10 // a Request keeps a larger head buffer only for one request
)

// lineMax returns the longest line a limit allows.
func lineMax(limit int) int {
	if limit <= 0 || limit > hardLineCap {
		return hardLineCap
	}
	return limit
}

// fieldsMax returns the most field lines the limits allow.
func (l Limits) fieldsMax() int {
	if l.Fields <= 0 || l.Fields > hardFieldCap {
		return hardFieldCap
	}
	return l.Fields
}
