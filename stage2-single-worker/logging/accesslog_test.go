package logging

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func record() *Record {
	headers := map[string]string{"referer": "http://ref.example/", "user-agent": "curl/8.0", "x-id": "42"}
	return &Record{
		RemoteAddr: "10.0.0.7",
		Method:     "GET",
		RawURI:     "/a%20b?x=1",
		Path:       "/a b",
		Query:      "x=1",
		Proto:      "HTTP/1.1",
		Status:     200,
		BodyBytes:  26,
		Start:      time.Date(2026, 11, 27, 10, 40, 28, 0, time.FixedZone("", 3600)),
		Duration:   1500 * time.Millisecond,
		User:       "alice",
		ReqHeader:  func(name string) string { return headers[strings.ToLower(name)] },
		RespHeader: func(name string) string {
			if strings.EqualFold(name, "Content-Type") {
				return "text/html"
			}
			return ""
		},
		Environ: func(key string) string {
			if key == "PATH_INFO" {
				return "/a b"
			}
			return ""
		},
	}
}

func TestAccessLogAtoms(t *testing.T) {
	t.Parallel()
	pid := "<" + strconv.Itoa(os.Getpid()) + ">"
	tests := []struct {
		format, want string
	}{
		// %(t)s is when the request ended (Start + 1.5 s), as gunicorn logs it.
		{DefaultAccessFormat, `10.0.0.7 - alice [27/Nov/2026:10:40:29 +0100] "GET /a%20b?x=1 HTTP/1.1" 200 26 "http://ref.example/" "curl/8.0"`},
		{"%(m)s %(U)s %(q)s %(H)s", "GET /a b x=1 HTTP/1.1"},
		{"%(b)s %(B)s", "26 26"},
		{"%(T)s %(D)s %(M)s %(L)s", "1 1500000 1500 1.500000"},
		{"%(p)s", pid},
		{"%({X-Id}i)s %({missing}i)s", "42 -"},
		{"%({content-type}o)s", "text/html"},
		{"%({PATH_INFO}e)s %({NOPE}e)s", "/a b -"},
		{"100%% %(nosuch)s", "100% -"},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := NewAccessLog(NewOutput(&buf), tc.format)
			if err != nil {
				t.Fatal(err)
			}
			log.Log(record())
			if got := buf.String(); got != tc.want+"\n" {
				t.Errorf("got  %q\nwant %q", got, tc.want+"\n")
			}
		})
	}
}

func TestAccessLogEmptyValues(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log, err := NewAccessLog(NewOutput(&buf), DefaultAccessFormat)
	if err != nil {
		t.Fatal(err)
	}
	r := record()
	r.User, r.BodyBytes, r.ReqHeader = "", 0, nil
	log.Log(r)
	want := `10.0.0.7 - - [27/Nov/2026:10:40:29 +0100] "GET /a%20b?x=1 HTTP/1.1" 200 - "-" "-"` + "\n"
	if buf.String() != want {
		t.Errorf("got  %q\nwant %q", buf.String(), want)
	}
}

func TestAccessLogBadFormats(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"%(h", "50%", "%s", "%(h)d"} {
		if _, err := NewAccessLog(NewOutput(&bytes.Buffer{}), format); err == nil {
			t.Errorf("format %q accepted", format)
		}
	}
}
