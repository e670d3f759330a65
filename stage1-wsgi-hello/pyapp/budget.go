package pyapp

import "sync/atomic"

// Budget is a number of bytes that many holders draw from: the memory all
// buffered responses may hold together, or the disk their spool files may.
// It is safe for concurrent use.
type Budget struct {
	limit int64
	used  atomic.Int64
}

// NewBudget returns a budget of limit bytes.
func NewBudget(limit int64) *Budget { return &Budget{limit: limit} }

// take draws n bytes and reports whether they were there; on false nothing
// was drawn.
func (b *Budget) take(n int64) bool {
	if b.used.Add(n) > b.limit {
		b.used.Add(-n)
		return false
	}
	return true
}

// force draws n bytes whether or not they are there: for bytes that have
// arrived already and must be kept somewhere. The holders' windows bound
// how far past its limit a budget can go.
func (b *Budget) force(n int64) { b.used.Add(n) }

// give returns n bytes drawn by take.
func (b *Budget) give(n int64) { b.used.Add(-n) }

// Used returns how many bytes are drawn now.
func (b *Budget) Used() int64 { return b.used.Load() }
