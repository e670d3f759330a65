package pyapp

import (
	"math/bits"
	"sync"
)

// Buffers for large body chunks, reused rather than allocated for each one:
// frames too large for the reader's buffer (a chunk of a 100 KB page, a 1
// MB upload echoed back) are read into them, and chunks of 32 KiB or more
// that fit are copied into them out of the reader's buffer. A fresh one
// costs the master more than the copy it holds: the runtime zeroes it, and
// its background scavenger hands the freed pages back to the kernel
// (madvise) only for the next one to fault them in again. In case 4a (100
// KB answers) the profile put zeroing and madvise at 13% of the master's
// CPU, and the page faults hid in the copies: reusing the buffers took the
// master from about 200 µs a request to 83, and the throughput up by
// 70–95% (bench/README.md). A buffer goes back to its pool once nothing
// reads it any more: at once when its frame was not a body chunk kept in
// memory, else when the server asks for the next chunk or closes the body
// (see call.Next).
//
// The pools hold powers of two from bigPoolMin (where Go's allocator starts
// to treat an object as large, with pages of its own) to bigPoolMax; a
// frame larger than that gets a buffer of its own, which the collector
// takes. A sync.Pool gives its buffers back to the collector when they go
// unused, so an idle server holds none of them.
const (
	bigPoolMin = 32 << 10
	bigClasses = 8                              // 32 KiB, 64 KiB, … 4 MiB
	bigPoolMax = bigPoolMin << (bigClasses - 1) // the largest class
)

var bigPools [bigClasses]sync.Pool

// bigClass returns the index in bigPools of the smallest class that holds n
// bytes (n ≥ bigPoolMin), or -1 when n is larger than bigPoolMax.
func bigClass(n int) int {
	if n > bigPoolMax {
		return -1
	}
	return bits.Len(uint(n-1)) - bits.Len(bigPoolMin-1)
}

// getBig returns a buffer of length n ≥ bigPoolMin, from a pool when one
// holds its class.
func getBig(n int) []byte {
	class := bigClass(n)
	if class < 0 {
		return make([]byte, n)
	}
	if p, ok := bigPools[class].Get().(*[]byte); ok {
		return (*p)[:n]
	}
	return make([]byte, n, bigPoolMin<<class)
}

// putBig gives back a buffer getBig returned, once nothing reads it any
// more; it drops any other slice (one of its own above bigPoolMax).
func putBig(b []byte) {
	c := cap(b)
	if c < bigPoolMin || c > bigPoolMax || c&(c-1) != 0 {
		return
	}
	b = b[:c]
	bigPools[bigClass(c)].Put(&b)
}
