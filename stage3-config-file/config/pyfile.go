package config

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// runconfig.py runs a config file inside the real interpreter and reports the
// names it defined as JSON on descriptor 3. Like the app runner (pyapp), it
// reaches the interpreter through an environment variable that
// configBootstrap removes at once: ps shows a short command line, not the
// script, and neither the config file nor what it starts sees it.
//
//go:embed runconfig.py
var runConfigScript string

const (
	configScriptVar = "GUNICORN_GO_RUNCONFIG"
	configBootstrap = "import os;exec(compile(os.environ.pop('" + configScriptVar + "'),'gunicorn-go/config/runconfig.py','exec'))"
)

// pyFile is a config file to run: a path, or python:MODULE.
type pyFile struct {
	display string // as the operator named it: "gunicorn.conf.py", "conf/prod.py", "python:settings.gunicorn"
	path    string // absolute path for a file; "" for a module
	module  string // the module for python:MODULE
}

// pyResult is runconfig.py's report.
type pyResult struct {
	Names   map[string]json.RawMessage `json:"names"`
	Environ map[string]string          `json:"environ"`
	Error   *struct {
		Type    string  `json:"type"`
		Message string  `json:"message"`
		File    *string `json:"file"`
		Line    *int    `json:"line"`
	} `json:"error"`
}

// runPyFile runs the config file with the interpreter python, in dir, with
// environ as its environment, and returns its top-level names decoded (see
// decodePython) and the variables it set in os.environ, as sorted KEY=VALUE
// entries. What the file prints goes to stdout, as in gunicorn; its stderr
// to output. A Python exception becomes "FILE:LINE: Type: message",
// wrapping ErrConfigFile.
func runPyFile(python string, f pyFile, dir string, environ []string, stdout, output io.Writer) (map[string]any, []string, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("config %s: %w", f.display, err)
	}
	defer r.Close()
	mode, target := "file", f.path
	if f.module != "" {
		mode, target = "module", f.module
	}
	var stderr bytes.Buffer
	cmd := exec.Command(python, "-c", configBootstrap, mode, target)
	cmd.Dir = dir
	if environ == nil {
		environ = os.Environ() // as exec.Cmd does for a nil Env
	}
	cmd.Env = append(slices.Clip(environ), configScriptVar+"="+runConfigScript)
	cmd.Stdout = stdout
	cmd.Stderr = io.MultiWriter(output, &tail{buf: &stderr, max: 2048})
	cmd.ExtraFiles = []*os.File{w} // descriptor 3 in the child
	// A config file runs arbitrary code: if we are killed while it runs (a
	// config that loops, and the operator gives up), it goes with us.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	// And a child it forks may keep its stderr open long after it exited:
	// the report is all we wait for.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, nil, errorf(ErrConfigFile, "%s: run %s: %w", f.display, python, err)
	}
	w.Close()
	report, readErr := io.ReadAll(r)
	waitErr := cmd.Wait()
	var res pyResult
	if readErr != nil || json.Unmarshal(report, &res) != nil || (res.Names == nil && res.Error == nil) {
		why := "no report"
		if waitErr != nil {
			why = waitErr.Error()
		}
		return nil, nil, errorf(ErrConfigFile, "%s: %s could not run it (%s): %s", f.display, python, why, strings.TrimSpace(stderr.String()))
	}
	if e := res.Error; e != nil {
		where := f.display
		if e.File != nil && f.module != "" {
			where = *e.File
		}
		if e.Line != nil {
			where = fmt.Sprintf("%s:%d", where, *e.Line)
		}
		return nil, nil, errorf(ErrConfigFile, "%s: %s: %s", where, e.Type, e.Message)
	}
	names := make(map[string]any, len(res.Names))
	for k, raw := range res.Names {
		v, err := decodePython(raw)
		if err != nil {
			return nil, nil, errorf(ErrConfigFile, "%s: reading %s: %w", f.display, k, err)
		}
		names[k] = v
	}
	env := make([]string, 0, len(res.Environ))
	for _, k := range slices.Sorted(maps.Keys(res.Environ)) {
		env = append(env, k+"="+res.Environ[k])
	}
	return names, env, nil
}

// decodePython decodes one value of the report: JSON numbers stay
// json.Number (so 4 and 4.0 differ), and runconfig.py's type markers become
// pyObject.
func decodePython(raw json.RawMessage) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return unmark(v), nil
}

func unmark(v any) any {
	switch v := v.(type) {
	case []any:
		for i := range v {
			v[i] = unmark(v[i])
		}
	case map[string]any:
		if t, ok := v["__gunicorn_go__"].(string); ok {
			callable, _ := v["callable"].(bool)
			return pyObject{Type: t, Callable: callable}
		}
		for k := range v {
			v[k] = unmark(v[k])
		}
	}
	return v
}

// findConfigFile decides which config file to run. spec is the config
// setting's value and explicit says whether a flag gave it; the default
// ./gunicorn.conf.py may be absent, a named file may not.
func findConfigFile(spec string, explicit bool, dir string) (pyFile, bool, error) {
	if mod, ok := strings.CutPrefix(spec, "python:"); ok {
		if mod == "" {
			return pyFile{}, false, errorf(ErrConfigFile, "config %q: python: needs a module name", spec)
		}
		return pyFile{display: spec, module: mod}, true, nil
	}
	path := strings.TrimPrefix(spec, "file:")
	abs := path
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(dir, path)
	}
	display := filepath.Clean(path) // "./gunicorn.conf.py" reads as "gunicorn.conf.py"
	fi, err := os.Stat(abs)
	switch {
	case err == nil && fi.IsDir():
		return pyFile{}, false, errorf(ErrConfigFile, "%s: is a directory, not a config file", display)
	case err == nil:
		return pyFile{display: display, path: abs}, true, nil
	case errors.Is(err, os.ErrNotExist) && !explicit:
		return pyFile{}, false, nil
	case errors.Is(err, os.ErrNotExist):
		return pyFile{}, false, errorf(ErrConfigFile, "%s: no such config file", display)
	}
	return pyFile{}, false, errorf(ErrConfigFile, "%s: %w", display, err)
}

// tail keeps the last max bytes written, for an error message.
type tail struct {
	buf *bytes.Buffer
	max int
}

func (t *tail) Write(p []byte) (int, error) {
	t.buf.Write(p)
	if extra := t.buf.Len() - t.max; extra > 0 {
		t.buf.Next(extra)
	}
	return len(p), nil
}
