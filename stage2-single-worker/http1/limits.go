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
//
// Memory is the budget that heads larger than smallHead reserve the rest
// of their bytes from, shared by every connection reading with it;
// DefaultHeadMemory when nil.
type Limits struct {
	RequestLine int         // longest request line in bytes (gunicorn's limit_request_line); 0 = unlimited
	Fields      int         // most header fields (limit_request_fields)
	FieldSize   int         // longest header field line in bytes (limit_request_field_size); 0 = unlimited
	Memory      *HeadMemory // memory for large heads, shared; nil: DefaultHeadMemory
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
	maxRetainedBuf = 64 << 10 // a Body keeps a larger line buffer only for one request
	keptHeadBuf    = 32 << 10 // a Request keeps a larger head buffer only for one request
	smallHead      = 8 << 10  // a head's bytes past this are reserved from Limits.Memory
	minHeadChunk   = 16 << 10 // the first chunk reserved for a large head; they double up to maxHeadChunk
	maxHeadChunk   = 64 << 10
)

// memory returns the head memory budget.
func (l Limits) memory() *HeadMemory {
	if l.Memory != nil {
		return l.Memory
	}
	return DefaultHeadMemory
}

// chunksFor returns the most memory the chunks for rest more bytes of
// field lines, none longer than lineMax, can take: each chunk is filled
// until the next line might not fit, so at least its size less one line.
func chunksFor(rest, lineMax int) int {
	total, last := 0, 0
	for rest > 0 {
		size := chunkSize(last, lineMax)
		total, last, rest = total+size, size, rest-(size-(lineMax+1))
	}
	return total
}

// chunkSize returns the size of the next chunk a large head reserves, given
// the last one's (0 for none): room for at least two field lines of the
// longest size, doubling from minHeadChunk up to maxHeadChunk, or four
// such lines.
func chunkSize(last, lineMax int) int {
	line := lineMax + 2 // with its CRLF
	if last == 0 {
		return max(minHeadChunk, 2*line)
	}
	return max(min(2*last, maxHeadChunk), 4*line)
}

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
