package pyapp

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"

	"gunicorn-go/shared/testkit"
	"gunicorn-go/stage1-wsgi-hello/wsgi"
)

// decode is run by a real Python: it reads one Q frame from stdin, checks its
// header and request id (0x01020304), unmarshals the payload and prints it as JSON, each str
// as the list of its code points, bytes as ["bytes", text] and a tuple as
// ["tuple", items…].
const decode = `
import json, marshal, sys
data = sys.stdin.buffer.read()
assert len(data) == 9 + int.from_bytes(data[:4], "big") and data[4:5] == b"Q"
assert data[5:9] == bytes([1, 2, 3, 4])
def plain(v):
    if isinstance(v, str): return [ord(c) for c in v]
    if isinstance(v, bytes): return ["bytes", v.decode("latin-1")]
    if isinstance(v, tuple): return ["tuple"] + [plain(x) for x in v]
    if isinstance(v, dict): return {k: plain(x) for k, x in v.items()}
    return v
print(json.dumps(plain(marshal.loads(data[9:]))))
`

func TestMarshalRoundTripsThroughPython(t *testing.T) {
	long := strings.Repeat("a", 300) // past 'z', which holds 255 bytes at most
	env := &wsgi.Environ{
		Vars: []wsgi.Var{
			{Key: "EMPTY", Value: ""},
			{Key: "ASCII", Value: "/path?q=1"},
			{Key: "LONG", Value: long},
			{Key: "LATIN1", Value: "caf\xe9 \x80\xff"},          // bytes ≥ 0x80: one character each
			{Key: "LONG_LATIN1", Value: long + "\xe9"},          // 'u' with a long length
			{Key: "HTTP_X_\xe9", Value: "key with a high byte"}, // keys are native strings too
		},
		URLScheme:    "https",
		Multiprocess: true,
	}
	tests := []struct {
		name  string
		input io.Reader
		body  any
	}{
		{"no body", nil, []any{"bytes", ""}},
		{"inline", buffered{data: []byte("a\x00\xffb")}, []any{"bytes", latin1("a\x00\xffb")}},
		{"spooled", buffered{path: "/tmp/body \xe9"}, []any{"tuple", []any{"bytes", latin1("/tmp/body \xe9")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.Input = tt.input
			in, _ := tt.input.(wsgi.InputBuffer)
			frame, err := appendRequest(nil, 0x01020304, env, in)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(testkit.RealPython(t), "-c", decode)
			cmd.Stdin = bytes.NewReader(frame)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("python: %v", err)
			}
			var got []any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			want := map[string]any{"wsgi.url_scheme": points("https"), "wsgi.multithread": false, "wsgi.multiprocess": true,
				"wsgi.run_once": false, "wsgi.input_terminated": true, "wsgi.version": []any{"tuple", 1.0, 0.0}}
			for _, v := range env.Vars {
				want[latin1(v.Key)] = points(v.Value)
			}
			if len(got) != 3 || got[0] != "tuple" {
				t.Fatalf("not a pair: %s", out)
			}
			environ := got[1].(map[string]any)
			if len(environ) != len(want) {
				t.Errorf("%d keys, want %d: %v", len(environ), len(want), environ)
			}
			for key, value := range want {
				if b1, _ := json.Marshal(environ[key]); string(b1) != mustJSON(t, value) {
					t.Errorf("environ[%q] = %s, want %s", key, b1, mustJSON(t, value))
				}
			}
			if b1, _ := json.Marshal(got[2]); string(b1) != mustJSON(t, tt.body) {
				t.Errorf("body = %s, want %s", b1, mustJSON(t, tt.body))
			}
		})
	}
}

// points returns the code points of a native string: one per byte.
func points(s string) []any {
	out := make([]any, len(s))
	for i := 0; i < len(s); i++ {
		out[i] = float64(s[i])
	}
	return out
}

// latin1 returns s (bytes) decoded as latin-1, as JSON keys come back.
func latin1(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
