package main

import (
	"io"
	"testing"
	"time"
)

// TestHeadDeadlineRFC9110_15_5_9: a connection gets --timeout in all to
// deliver a complete request head, counted from its first byte, not a
// timeout per read: a client dripping its head a byte every 200 ms under
// --timeout 1 would otherwise keep the connection (and a goroutine, and
// its buffers) forever, each read well within a second.
//
// The server then closes the connection without an answer. RFC 9110
// §15.5.9 allows a 408 (the server "did not receive a complete request
// message within the time that it was prepared to wait") but does not
// require one, and the connection must close either way, its framing
// lost. Gunicorn sends none (its worker is stuck in recv until the arbiter
// kills it at the timeout), nor does nginx when client_header_timeout
// expires; and a client this slow is nearly always one holding
// connections open on purpose, for whom the bytes would be wasted.
func TestHeadDeadlineRFC9110_15_5_9(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--timeout", "1", "go:hello")
	const head = "GET /dripped HTTP/1.1\r\nHost: x\r\nUser-Agent: drip\r\nAccept: */*\r\n\r\n"
	nc := s.dial()

	type result struct {
		data []byte
		err  error
	}
	closed := make(chan result, 1)
	go func() {
		data, err := io.ReadAll(nc) // until the server closes
		closed <- result{data, err}
	}()

	sent := 0
	var got result
drip:
	for ; sent < len(head); sent++ {
		select {
		case got = <-closed:
			break drip
		case <-time.After(200 * time.Millisecond):
		}
		if _, err := nc.Write([]byte{head[sent]}); err != nil {
			got = <-closed // the server closed while we wrote
			break
		}
	}
	if sent == len(head) {
		got = <-closed
		t.Fatalf("the whole head was dripped in and the connection kept: the server answered %q", got.data)
	}
	if got.err != nil && !isReset(got.err) {
		t.Fatalf("waiting for the server to close: %v", got.err)
	}
	if len(got.data) > 0 {
		t.Errorf("the server answered %q; want the connection closed without a response", got.data)
	}
	// About a second's worth of bytes: a limit of 1 s per read would
	// never have closed it.
	t.Logf("closed after %d of the head's %d bytes, one every 200 ms", sent, len(head))
}
