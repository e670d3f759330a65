package testkit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"testing"
	"time"
)

// Load is a steady loop of requests from several keep-alive clients, as the
// tests of reloads, upgrades and stops run beside them: each client keeps
// one connection, and every answer is counted. A 200's body, when it is
// JSON, is decoded into a map, so that tests can see which worker or which
// version of the app answered (the "pid" and "version" keys of the apps
// the tests serve).
type Load struct {
	stop chan struct{}
	wg   sync.WaitGroup

	mu       sync.Mutex
	OK       int              // 200s
	Statuses map[int]int      // other statuses, counted
	Errs     []error          // transport errors, each a *LoadError
	Replies  []map[string]any // each 200's JSON body, in order of arrival
}

// StartLoad starts clients goroutines requesting url in a loop until End.
func StartLoad(url string, clients int) *Load {
	l := &Load{stop: make(chan struct{}), Statuses: map[int]int{}}
	for range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: time.Minute}
			defer client.CloseIdleConnections()
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				var reused bool
				trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
				req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", url, nil)
				if err != nil {
					panic(err) // a test's own URL
				}
				resp, err := client.Do(req)
				if err != nil {
					err = &LoadError{Err: err, Reused: reused}
				}
				l.record(resp, err)
			}
		}()
	}
	return l
}

// LoadError is a request of a Load that failed: the error, and whether it
// was sent on a connection an earlier request had used. A connection
// reset before an answer on a fresh connection, while the server closes
// its listener, is a connection the kernel had queued and the server never
// accepted: Linux resets those that arrive between the server's last
// accept and its close, a race no server can close.
type LoadError struct {
	Err    error
	Reused bool
}

func (e *LoadError) Error() string { return e.Err.Error() }
func (e *LoadError) Unwrap() error { return e.Err }

func (l *Load) record(resp *http.Response, err error) {
	var body []byte
	if err == nil {
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case err != nil:
		l.Errs = append(l.Errs, err)
	case resp.StatusCode == 200:
		l.OK++
		var reply map[string]any
		if json.Unmarshal(body, &reply) == nil {
			l.Replies = append(l.Replies, reply)
		}
	default:
		l.Statuses[resp.StatusCode]++
	}
}

// WaitFor waits, up to a minute, until cond holds of what the load has seen.
func (l *Load) WaitFor(t testing.TB, what string, cond func(l *Load) bool) {
	t.Helper()
	WaitFor(t, what, time.Minute, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return cond(l)
	})
}

// End stops the clients and waits for their last requests.
func (l *Load) End() {
	close(l.stop)
	l.wg.Wait()
}

// Failures describes what was not a 200, for a test's message.
func (l *Load) Failures() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprintf("%d ok, other statuses %v, transport errors %v", l.OK, l.Statuses, l.Errs)
}

// Count returns how many 200s had key set to value in their JSON body
// (numbers compare as Go prints them: "1234").
func (l *Load) Count(key string, value string) int {
	n := 0
	for _, r := range l.Replies {
		if fmt.Sprint(r[key]) == value {
			n++
		}
	}
	return n
}

// Distinct returns how many different values key had in the 200s' JSON
// bodies.
func (l *Load) Distinct(key string) int {
	seen := map[string]bool{}
	for _, r := range l.Replies {
		seen[fmt.Sprint(r[key])] = true
	}
	return len(seen)
}

// Last returns key's values in the last n 200s, oldest first.
func (l *Load) Last(key string, n int) []string {
	var out []string
	for _, r := range l.Replies[max(len(l.Replies)-n, 0):] {
		out = append(out, fmt.Sprint(r[key]))
	}
	return out
}
