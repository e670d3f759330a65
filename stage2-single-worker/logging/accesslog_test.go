package logging

import (
	"bytes"
	"encoding/base64"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// lookupIn returns a Record lookup over kv, by name in any case.
func lookupIn(kv map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		for k, v := range kv {
			if strings.EqualFold(k, name) {
				return v, true
			}
		}
		return "", false
	}
}

// record is a request as the server reports it: GET /a%20b?x=1 from curl,
// with a referer, basic auth as alice, and a 26-byte answer in 1.5 s.
func record() *Record {
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
		ReqHeader:  lookupIn(map[string]string{"Referer": "http://ref.example/", "User-Agent": "curl/8.0", "X-Id": "42"}),
		RespHeader: lookupIn(map[string]string{"Content-Type": "text/html"}),
		Environ: lookupIn(map[string]string{
			"PATH_INFO": "/a b", "QUERY_STRING": "x=1", "SCRIPT_NAME": "",
			"HTTP_REFERER": "http://ref.example/", "HTTP_USER_AGENT": "curl/8.0", "HTTP_X_ID": "42",
			"HTTP_AUTHORIZATION": "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:secret")),
		}),
	}
}

// logLine formats r with format and returns the line without its newline.
func logLine(t *testing.T, format string, r *Record) string {
	t.Helper()
	var buf bytes.Buffer
	log, err := NewAccessLog(NewOutput(&buf), format)
	if err != nil {
		t.Fatal(err)
	}
	log.Log(r)
	line, ok := strings.CutSuffix(buf.String(), "\n")
	if !ok || strings.Contains(line, "\n") {
		t.Fatalf("not one line: %q", buf.String())
	}
	return line
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
		// {…} names in any case, as gunicorn lowercases them.
		{"%({X-Id}i)s %({x-id}i)s %({missing}i)s", "42 42 -"},
		{"%({content-type}o)s %({CONTENT-TYPE}o)s %({server}o)s", "text/html text/html -"},
		{"%({PATH_INFO}e)s %({path_info}e)s %({NOPE}e)s", "/a b /a b -"},
		// Present but empty is "", as in gunicorn; only missing is "-".
		{"[%({script_name}e)s]", "[]"},
		{"100%% %(nosuch)s %(i)s %({x-id}x)s %({}i)s", "100% - - - -"},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			t.Parallel()
			if got := logLine(t, tc.format, record()); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestAccessLogText: each atom is written as gunicorn writes it: '"' becomes
// \" and nothing else is escaped, a backslash included; a byte above 0x7F is
// written as the UTF-8 of its ISO-8859-1 character, so raw UTF-8 from a
// client comes out doubly encoded.
func TestAccessLogText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, sent, want string
	}{
		{"plain", "curl/8.0", "curl/8.0"},
		{"quote", `say "hi"`, `say \"hi\"`},
		{"backslash", `C:\dir\`, `C:\dir\`},
		{"escaped quote", `a\"b`, `a\\"b`},
		{"tab", "a\tb", "a\tb"},
		{"latin-1 byte", "caf\xe9", "caf\xc3\xa9"},
		{"utf-8 bytes", "caf\xc3\xa9", "caf\xc3\x83\xc2\xa9"},
		{"high bytes", "\x80\xff", "\xc2\x80\xc3\xbf"},
		{"empty", "", ""},
	}
	atoms := []struct {
		format string
		set    func(r *Record, v string)
	}{
		{"%(a)s", func(r *Record, v string) { r.Environ = lookupIn(map[string]string{"HTTP_USER_AGENT": v}) }},
		{"%(f)s", func(r *Record, v string) { r.Environ = lookupIn(map[string]string{"HTTP_REFERER": v}) }},
		{"%(h)s", func(r *Record, v string) { r.RemoteAddr = v }},
		{"%(m)s", func(r *Record, v string) { r.Method = v }},
		{"%(U)s", func(r *Record, v string) { r.Path = v }},
		{"%(q)s", func(r *Record, v string) { r.Query = v }},
		{"%(H)s", func(r *Record, v string) { r.Proto = v }},
		{"%({x-v}i)s", func(r *Record, v string) { r.ReqHeader = lookupIn(map[string]string{"X-V": v}) }},
		{"%({x-v}o)s", func(r *Record, v string) { r.RespHeader = lookupIn(map[string]string{"X-V": v}) }},
		{"%({x_v}e)s", func(r *Record, v string) { r.Environ = lookupIn(map[string]string{"X_V": v}) }},
	}
	for _, at := range atoms {
		for _, tc := range tests {
			t.Run(at.format+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				r := record()
				at.set(r, tc.sent)
				if got := logLine(t, at.format, r); got != tc.want {
					t.Errorf("sent %q: got %q, want %q", tc.sent, got, tc.want)
				}
			})
		}
	}
	t.Run("%(r)s", func(t *testing.T) {
		t.Parallel()
		r := record()
		r.RawURI = `/"q"\x?v=` + "\xe9"
		if got, want := logLine(t, `"%(r)s"`, r), `"GET /\"q\"\x?v=`+"\xc3\xa9"+` HTTP/1.1"`; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

// TestAccessLogMissing: what a request lacks is "-"; what it has, even
// empty, is written as it is.
func TestAccessLogMissing(t *testing.T) {
	t.Parallel()
	r := record()
	r.ReqHeader, r.RespHeader, r.Environ = nil, nil, nil
	want := `10.0.0.7 - - [27/Nov/2026:10:40:29 +0100] "GET /a%20b?x=1 HTTP/1.1" 200 26 "-" "-"`
	if got := logLine(t, DefaultAccessFormat, r); got != want {
		t.Errorf("no headers nor environ:\ngot  %q\nwant %q", got, want)
	}
	r.Environ = lookupIn(map[string]string{"HTTP_REFERER": "", "HTTP_USER_AGENT": ""})
	r.RemoteAddr, r.Path, r.Query = "", "", ""
	if got, want := logLine(t, `[%(h)s] [%(U)s] [%(q)s] "%(f)s" "%(a)s"`, r), `[] [] [] "" ""`; got != want {
		t.Errorf("empty values: got %q, want %q", got, want)
	}
}

// TestAccessLogBodyBytes: b is the byte count like B, 0 for an empty body,
// as gunicorn writes it (not the "-" of Apache's %b).
func TestAccessLogBodyBytes(t *testing.T) {
	t.Parallel()
	for _, n := range []int64{0, 1, 26, 1 << 40} {
		r := record()
		r.BodyBytes = n
		want := strconv.FormatInt(n, 10) + " " + strconv.FormatInt(n, 10)
		if got := logLine(t, "%(b)s %(B)s", r); got != want {
			t.Errorf("BodyBytes %d: got %q, want %q", n, got, want)
		}
	}
}

// TestAccessLogDurations: T, D, M and L truncate the duration to whole
// microseconds, as gunicorn's timedelta does, and L is never rounded up.
func TestAccessLogDurations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0 0 0 0.000000"},
		{999, "0 0 0 0.000000"},
		{time.Microsecond, "0 1 0 0.000001"},
		{1500 * time.Millisecond, "1 1500000 1500 1.500000"},
		{2*time.Second - time.Nanosecond, "1 1999999 1999 1.999999"},
		{61*time.Second + 1234567*time.Nanosecond, "61 61001234 61001 61.001234"},
	}
	for _, tc := range tests {
		r := record()
		r.Duration = tc.d
		if got := logLine(t, "%(T)s %(D)s %(M)s %(L)s", r); got != tc.want {
			t.Errorf("%v: got %q, want %q", tc.d, got, tc.want)
		}
	}
}

// TestAccessLogUser: u is the basic auth user (see TestBasicAuthUser for
// the decoding), escaped like any atom; a control character in it, which
// gunicorn would write raw, is written \xHH so it cannot break the line.
func TestAccessLogUser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, authorization, want string
	}{
		{"user", basic("alice:secret"), "alice"},
		{"none", "", "-"},
		{"not basic", "Bearer abc", "-"},
		{"empty user", basic(":secret"), "-"},
		{"quote", basic(`al"ice:x`), `al\"ice`},
		{"utf-8", basic("jos\xc3\xa9:x"), "jos\xc3\xa9"},
		{"line break", basic("eve\n1.2.3.4 - - [x] \"GET / HTTP/1.1\" 200:x"), `eve\x0a1.2.3.4 - - [x] \"GET / HTTP/1.1\" 200`},
		{"controls", basic("a\x00\x1f\x7fb:x"), `a\x00\x1f\x7fb`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := record()
			r.Environ = lookupIn(map[string]string{"HTTP_AUTHORIZATION": tc.authorization})
			if got := logLine(t, "%(u)s", r); got != tc.want {
				t.Errorf("Authorization %q: got %q, want %q", tc.authorization, got, tc.want)
			}
		})
	}
}

func basic(credentials string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(credentials))
}

// combined is the combined log format as log parsers read it: grok's
// COMBINEDAPACHELOG, whose quoted strings may hold \" (its QS pattern), and
// goaccess's and fail2ban's equivalents. Written in RE2 here.
var combined = regexp.MustCompile(`^(\S+) (\S+) (\S+) \[([^\]]+)\] "((?:[^"\\]|\\.)*)" (\d{3}) (\d+|-) "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$`)

// TestAccessLogParses: with quotes in the request line, referer and user
// agent, the default format still parses into its nine fields, and each
// quoted field gives back what was sent once \" is read as '"'.
func TestAccessLogParses(t *testing.T) {
	t.Parallel()
	r := record()
	r.RawURI = `/search?q="go"`
	r.Environ = lookupIn(map[string]string{
		"HTTP_REFERER":       `http://ref.example/?q="x" y`,
		"HTTP_USER_AGENT":    `Mozilla/5.0 "quoted" (x; y)`,
		"HTTP_AUTHORIZATION": basic(`bob:x`),
	})
	line := logLine(t, DefaultAccessFormat, r)
	m := combined.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("%q does not parse as the combined format", line)
	}
	unquote := strings.NewReplacer(`\"`, `"`).Replace
	got := []string{m[1], m[3], unquote(m[5]), m[6], m[7], unquote(m[8]), unquote(m[9])}
	want := []string{"10.0.0.7", "bob", `GET /search?q="go" HTTP/1.1`, "200", "26", `http://ref.example/?q="x" y`, `Mozilla/5.0 "quoted" (x; y)`}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d: got %q, want %q (line %q)", i, got[i], want[i], line)
		}
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

// BenchmarkAccessLog formats the default line, which every request costs
// when the access log is on.
func BenchmarkAccessLog(b *testing.B) {
	log, err := NewAccessLog(NewOutput(io.Discard), DefaultAccessFormat)
	if err != nil {
		b.Fatal(err)
	}
	r := record()
	b.ReportAllocs()
	for b.Loop() {
		log.Log(r)
	}
}
