package main

import (
	"bufio"
	"fmt"
	"strings"
	"testing"
)

// TestRepeatedFieldsRFC9110_5_3: what the app sees of fields sent twice. A
// list field's values are joined; a Content-Length repeating the same
// number reaches the app once (RFC 9110 §8.6: "7,7" makes Django answer
// 500); a singleton repeated with anything else is refused before the app
// is called.
func TestRepeatedFieldsRFC9110_5_3(t *testing.T) {
	t.Parallel()
	s := startServer(t, "go:echo")
	const post = "POST / HTTP/1.1\r\nHost: x\r\n"
	tests := []struct {
		name   string
		raw    string
		status int
		want   map[string]string // the app's environ, for a 200
		body   string
	}{
		{"RFC 9110 §8.6 the same Content-Length twice", post + "Content-Length: 4\r\nContent-Length: 4\r\n\r\nbody", 200,
			map[string]string{"CONTENT_LENGTH": "4"}, "body"},
		{"RFC 9110 §8.6 two Content-Lengths", post + "Content-Length: 4\r\nContent-Length: 5\r\n\r\nbody!", 400, nil, ""},
		{"RFC 9110 §8.3 two Content-Types", post + "Content-Type: text/plain\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", 400, nil, ""},
		{"RFC 9110 §11.6.2 two Authorizations", post + "Authorization: Basic YTpi\r\nAuthorization: Basic Yzpk\r\n\r\n", 400, nil, ""},
		{"RFC 9110 §10.1.5 two User-Agents", post + "User-Agent: a\r\nUser-Agent: b\r\n\r\n", 400, nil, ""},
		{"RFC 9110 §5.3 a list field twice is joined", post + "Accept: text/html\r\nAccept: */*\r\n\r\n", 200,
			map[string]string{"HTTP_ACCEPT": "text/html,*/*"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nc := s.dial()
			write(t, nc, tc.raw)
			br := bufio.NewReader(nc)
			resp := readResponse(t, br, "POST")
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status != 200 {
				expectClosed(t, nc, br)
				return
			}
			vars, body := environ(t, resp.Body)
			checkVars(t, vars, tc.want, nil)
			if string(body) != tc.body {
				t.Errorf("the app read %q, want %q", body, tc.body)
			}
		})
	}
}

// TestForbiddenTrailersRFC9110_6_5_1: a chunked body whose trailer section
// holds a field that only the header section may carry is refused before
// the app is called; a trailer the RFC allows is read and ignored.
func TestForbiddenTrailersRFC9110_6_5_1(t *testing.T) {
	t.Parallel()
	s := startServer(t, "go:echo")
	const post = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n"
	tests := []struct {
		trailer string
		status  int
	}{
		{"X-Checksum: 1234\r\n", 200},
		{"Content-Length: 5\r\n", 400},
		{"Transfer-Encoding: chunked\r\n", 400},
		{"Host: other.example\r\n", 400},
		{"Authorization: Basic YTpi\r\n", 400},
		{"Content-Type: application/json\r\n", 400},
		{"X-Checksum: 1234\r\nContent-Encoding: gzip\r\n", 400},
	}
	for _, tc := range tests {
		t.Run(tc.trailer, func(t *testing.T) {
			nc := s.dial()
			write(t, nc, post+tc.trailer+"\r\n")
			br := bufio.NewReader(nc)
			resp := readResponse(t, br, "POST")
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status != 200 {
				expectClosed(t, nc, br)
				return
			}
			if _, body := environ(t, resp.Body); string(body) != "hello" {
				t.Errorf("the app read %q, want hello", body)
			}
		})
	}
}

// TestManyRepeatedFields: 20,000 fields of one name, within
// --limit-request-fields 32768, reach the app as one joined value (RFC 9110
// §5.3), and the request is answered. Joining them cost seconds when each
// value was appended with += and each name looked up by a scan; the cost
// is linear now (server's TestManyRepeatedHeaders bounds its allocations).
func TestManyRepeatedFields(t *testing.T) {
	t.Parallel()
	s := startServer(t, "--limit-request-fields", "32768", "go:echo")
	const n = 20000
	var raw strings.Builder
	values := make([]string, n)
	raw.WriteString("GET / HTTP/1.1\r\nHost: x\r\n")
	for i := range values {
		values[i] = fmt.Sprint(i)
		fmt.Fprintf(&raw, "X-Repeat: %d\r\n", i)
	}
	raw.WriteString("X-Once: 1\r\n\r\n")
	resp := s.roundTrip(raw.String(), "GET")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	vars, _ := environ(t, resp.Body)
	if got, want := vars["HTTP_X_REPEAT"], strings.Join(values, ","); got != want {
		t.Errorf("HTTP_X_REPEAT has %d bytes, want the %d values joined (%d bytes)", len(got), n, len(want))
	}
	checkVars(t, vars, map[string]string{"HTTP_X_ONCE": "1", "HTTP_HOST": "x"}, nil)
}
