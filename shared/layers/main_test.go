package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheck(t *testing.T) {
	list := strings.Join([]string{
		"gunicorn-go/stage1-wsgi-hello/wsgi:io:io",
		"gunicorn-go/stage1-wsgi-hello/pyapp:gunicorn-go/stage1-wsgi-hello/wsgi:gunicorn-go/stage1-wsgi-hello/wsgi",
		// breaks: shared/ from a library package, and a later stage
		"gunicorn-go/stage1-wsgi-hello/appload:gunicorn-go/shared/examples/goapps gunicorn-go/stage2-single-worker/http1:",
		// fine: a command may use shared/
		"gunicorn-go/stage2-single-worker/cmd/stage2:gunicorn-go/shared/examples/goapps:",
		// breaks: the server depends on pyapp through another package
		"gunicorn-go/stage2-single-worker/server:gunicorn-go/stage2-single-worker/helper:gunicorn-go/stage2-single-worker/helper gunicorn-go/stage1-wsgi-hello/pyapp",
		// breaks: wsgi depends on the project
		"gunicorn-go/stage1-wsgi-hello/wsgi2/x:io:io",
		"gunicorn-go/stage9-x/wsgi:gunicorn-go/stage1-wsgi-hello/pyapp:gunicorn-go/stage1-wsgi-hello/pyapp",
		// bench and shared are not checked
		"gunicorn-go/bench:gunicorn-go/stage3-config-file/config:",
	}, "\n")
	got := check(parse(strings.NewReader(list)))
	want := []string{
		"gunicorn-go/stage1-wsgi-hello/appload imports gunicorn-go/shared/examples/goapps: only commands and sketches may use shared/",
		"gunicorn-go/stage1-wsgi-hello/appload imports gunicorn-go/stage2-single-worker/http1: stage 1 may not import stage 2",
		"gunicorn-go/stage2-single-worker/server depends on gunicorn-go/stage1-wsgi-hello/pyapp: the server knows wsgi.App, never Python",
		"gunicorn-go/stage9-x/wsgi depends on gunicorn-go/stage1-wsgi-hello/pyapp: wsgi, the contract, depends on nothing of the project",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("check (-want +got):\n%s", diff)
	}
}
