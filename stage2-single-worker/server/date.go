package server

import (
	"net/http"
	"sync"
	"time"
)

// dateCache keeps the Date header's value, formatted once a second instead of
// once a response.
type dateCache struct {
	mu   sync.Mutex // guards unix and text
	unix int64
	text string
}

var dates dateCache

// now returns the current time formatted as an HTTP date (RFC 9110 §5.6.7).
func (d *dateCache) now() string {
	t := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if sec := t.Unix(); sec != d.unix {
		d.unix = sec
		d.text = t.UTC().Format(http.TimeFormat)
	}
	return d.text
}
