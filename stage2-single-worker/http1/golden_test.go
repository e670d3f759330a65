package http1

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/requests")

// TestGolden parses each testdata/requests/*.http as one connection and
// compares a readable dump of every request, body and trailer with the
// .golden file beside it: a learner can read there exactly what the parser
// makes of a request. Run with -update after a deliberate change.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "requests", "*.http"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs in testdata/requests: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".http")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := dumpConnection(raw)
			golden := strings.TrimSuffix(in, ".http") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s:\n%s", in, golden, got)
			}
		})
	}
}

// dumpConnection parses raw as the bytes of one connection.
func dumpConnection(raw []byte) []byte {
	var out bytes.Buffer
	br := bufio.NewReader(bytes.NewReader(raw))
	var req Request
	for i := 1; ; i++ {
		err := ReadRequest(br, DefaultLimits, &req)
		if err == io.EOF {
			fmt.Fprintf(&out, "== end of connection\n")
			return out.Bytes()
		}
		fmt.Fprintf(&out, "== request %d\n", i)
		if err != nil {
			fmt.Fprintf(&out, "error: %v\n", err)
			return out.Bytes()
		}
		fmt.Fprintf(&out, "Method: %q\nTarget: %q\nPath: %q\nQuery: %q\nProto: %q\nHost: %q\n",
			req.Method, req.Target, req.Path, req.Query, req.Proto, req.Host)
		fmt.Fprintf(&out, "ContentLength: %d\nChunked: %v\nKeepAlive: %v\nExpect100: %v\n",
			req.ContentLength, req.Chunked, req.KeepAlive, req.Expect100)
		for _, h := range req.Headers {
			fmt.Fprintf(&out, "Header: %q: %q\n", h.Name, h.Value)
		}
		body := NewBody(br, &req, DefaultLimits)
		data, err := io.ReadAll(body)
		fmt.Fprintf(&out, "Body: %q\n", data)
		for _, h := range body.Trailers() {
			fmt.Fprintf(&out, "Trailer: %q: %q\n", h.Name, h.Value)
		}
		if err != nil {
			fmt.Fprintf(&out, "body error: %v\n", err)
			return out.Bytes()
		}
	}
}
