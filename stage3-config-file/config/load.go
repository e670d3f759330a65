package config

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gunicorn-go/stage1-wsgi-hello/pyapp"
)

// Config is what Load resolved: every setting's value (the embedded
// Settings), where each came from, and what the config file held that
// gunicorn-go does not support.
type Config struct {
	Settings
	// Sources maps each setting's name to where its value came from.
	Sources map[string]Source
	// File is the config file that was run, as the operator named it
	// ("gunicorn.conf.py", "python:app.conf"); "" when there was none.
	File string
	// FileEnv holds the environment variables the config file set or
	// changed in os.environ, as sorted KEY=VALUE entries. gunicorn runs the
	// file in its master process, so the app sees them: pass them to the
	// app's environment before raw_env, which wins over them.
	FileEnv []string
	// Warnings are one-line messages, naming the file, about gunicorn
	// settings and server hooks in it that gunicorn-go ignores. Log them.
	Warnings []string

	values map[string]any // by setting name, for Print
}

// Options changes where Load looks. The zero value is what the server uses.
type Options struct {
	// Dir is where ./gunicorn.conf.py is looked for, where the config file
	// runs and what relative paths start from; the current directory when "".
	Dir string
	// Stdout receives what the config file prints, as in gunicorn;
	// os.Stdout when nil.
	Stdout io.Writer
	// Output receives the config file's other output (its warnings and
	// errors, on its stderr); os.Stderr when nil.
	Output io.Writer
}

// Load resolves the settings from, lowest precedence first: the table's
// defaults (some derived from environment variables: WEB_CONCURRENCY, PORT,
// FORWARDED_ALLOW_IPS, VIRTUAL_ENV), the config file, GUNICORN_CMD_ARGS and
// the command line. args are the command-line arguments without the program
// name; environ is the environment as os.Environ gives it.
//
// Outcomes:
//   - (*Config, nil): every value valid; nothing has been started.
//   - (nil, err) with errors.Is(err, ErrHelp) or ErrVersion: print and exit 0.
//   - (nil, err) with ErrUsage: a flag could not be parsed; print the usage line.
//   - (nil, err) with ErrInvalid or ErrConfigFile: the message names the
//     setting or the file and the source; exit 1.
func Load(args, environ []string) (*Config, error) {
	return LoadWith(Options{}, args, environ)
}

// LoadWith is Load with Options.
func LoadWith(opts Options, args, environ []string) (*Config, error) {
	dir := opts.Dir
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		dir = wd
	}
	if !filepath.IsAbs(dir) {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		dir = abs
	}
	output := opts.Output
	if output == nil {
		output = os.Stderr
	}
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	env := newEnvironment(environ, dir)

	cli, err := parseFlags(args)
	if err != nil {
		return nil, err
	}
	if cli.help {
		return nil, ErrHelp
	}
	if cli.version {
		return nil, ErrVersion
	}
	cmdArgs := &flagArgs{values: map[string][]string{}}
	if s := env.get("GUNICORN_CMD_ARGS"); strings.TrimSpace(s) != "" {
		words, err := shellSplit(s)
		if err != nil {
			return nil, errorf(ErrUsage, "GUNICORN_CMD_ARGS: %w", err)
		}
		if cmdArgs, err = parseFlags(words); err != nil {
			return nil, errorf(ErrUsage, "GUNICORN_CMD_ARGS: %w", err)
		}
	}

	c := &Config{Sources: map[string]Source{}, values: map[string]any{}}
	for _, fa := range []struct {
		args *flagArgs
		src  Source
	}{{cmdArgs, Source{Kind: FromCmdArgs}}, {cli, Source{Kind: FromCommandLine}}} {
		if len(fa.args.ignored) > 0 {
			c.Warnings = append(c.Warnings, fmt.Sprintf(ignoredWarning, fa.src, strings.Join(fa.args.ignored, ", ")))
		}
	}
	// 1. Defaults, some from the environment.
	for _, s := range table {
		c.set(s.Name, clone(s.Default), Source{Kind: FromDefault})
		if raw, src, ok := fromEnvDefault(s, env); ok {
			v, err := readFlag(s, []string{raw}, src, dir)
			if err != nil {
				return nil, err
			}
			c.set(s.Name, v, src)
		}
	}
	// The flags are read now, so that a bad value is reported without
	// running Python, and applied after the file, which they override.
	cmdValues, err := readFlags(cmdArgs, Source{Kind: FromCmdArgs}, dir)
	if err != nil {
		return nil, err
	}
	cliValues, err := readFlags(cli, Source{Kind: FromCommandLine}, dir)
	if err != nil {
		return nil, err
	}
	c.apply(cmdValues, Source{Kind: FromCmdArgs}, "config", "python")
	c.apply(cliValues, Source{Kind: FromCommandLine}, "config", "python")

	// 2. The config file, run by the interpreter the flags or the
	// environment name (the file's own python setting is for the app).
	explicit := c.Sources["config"].Kind != FromDefault
	f, found, err := findConfigFile(c.values["config"].(string), explicit, dir)
	if err != nil {
		return nil, err
	}
	if found {
		python, _ := pyapp.InterpreterFrom(c.values["python"].(string), c.values["chdir"].(string), env.get)
		names, fileEnv, err := runPyFile(python, f, dir, environ, opts.Stdout, output)
		if err != nil {
			return nil, err
		}
		c.File, c.FileEnv = f.display, fileEnv
		if err := c.applyFile(names, Source{Kind: FromFile, Name: f.display}, dir); err != nil {
			return nil, err
		}
	}

	// 3. GUNICORN_CMD_ARGS, then 4. the command line.
	c.apply(cmdValues, Source{Kind: FromCmdArgs})
	c.apply(cliValues, Source{Kind: FromCommandLine})

	// The app's interpreter, when no source named one: worked out now that
	// chdir, where a virtualenv may sit beside the app, is known.
	if c.values["python"] == "" {
		python, why := pyapp.InterpreterFrom("", c.values["chdir"].(string), env.get)
		c.set("python", python, Source{Kind: FromDerived, Name: why})
	}
	for _, s := range table {
		assign(s.field(&c.Settings), c.values[s.Name])
	}
	return c, nil
}

// Value returns a setting's value (with the Go type its Settings field has)
// and where it came from; ok is false for an unknown name.
func (c *Config) Value(name string) (v any, src Source, ok bool) {
	v, ok = c.values[name]
	return v, c.Sources[name], ok
}

func (c *Config) set(name string, v any, src Source) {
	c.values[name] = v
	c.Sources[name] = src
}

// apply sets the values one source of flags gave; with only, just those
// settings.
func (c *Config) apply(values map[string]any, src Source, only ...string) {
	for name, v := range values {
		if len(only) == 0 || slices.Contains(only, name) {
			c.set(name, v, src)
		}
	}
}

// ignoredWarning is the warning about gunicorn settings gunicorn-go ignores,
// given a source and the settings.
const ignoredWarning = "%s: ignoring gunicorn settings gunicorn-go does not support: %s"

// applyFile takes the config file's names that are settings, warns about
// gunicorn's settings and hooks that gunicorn-go ignores, and ignores the
// rest (imports, helper variables), as gunicorn does.
func (c *Config) applyFile(names map[string]any, src Source, dir string) error {
	var ignored, hooks []string
	for _, name := range sortedKeys(names) {
		v := names[name]
		s, ok := Lookup(name)
		switch {
		case ok && name == "config":
			// Only the command line and GUNICORN_CMD_ARGS choose the file.
		case ok:
			read, err := readPython(s, v, src, dir)
			if err != nil {
				return err
			}
			c.set(name, read, src)
		case serverHooks[name]:
			hooks = append(hooks, name)
		case unsupported(name):
			ignored = append(ignored, name)
		default:
			if near := nearSetting(name); near != "" {
				// Beyond gunicorn, which ignores it without a word: `worker
				// = 4` would otherwise leave one worker, and nobody the wiser.
				c.Warnings = append(c.Warnings, fmt.Sprintf("%s: %s is not a setting (did you mean %s?); ignored", src, name, near))
			}
		}
	}
	if len(ignored) > 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf(ignoredWarning, src, strings.Join(ignored, ", ")))
	}
	if len(hooks) > 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%s: ignoring server hooks, which gunicorn-go does not call: %s",
			src, strings.Join(hooks, ", ")))
	}
	return nil
}

// readFlags reads every setting one source of flags gave.
func readFlags(fa *flagArgs, src Source, dir string) (map[string]any, error) {
	out := map[string]any{}
	for _, name := range sortedKeys(fa.values) {
		s, _ := Lookup(name)
		v, err := readFlag(s, fa.values[name], src, dir)
		if err != nil {
			return nil, err
		}
		out[name] = v
	}
	return out, nil
}

// readFlag reads the occurrences of one setting's flag and validates them.
func readFlag(s Setting, args []string, src Source, dir string) (any, error) {
	v, err := s.Kind.fromFlags(args)
	if err != nil {
		return nil, invalid(s, err, args[len(args)-1], src)
	}
	return finish(s, v, src, dir)
}

// readPython reads one value from the config file and validates it.
func readPython(s Setting, raw any, src Source, dir string) (any, error) {
	if o, ok := raw.(pyObject); ok && o.Callable {
		return nil, invalid(s, badValue{got: "a callable <" + o.Type + ">"}, raw, src)
	}
	v, err := s.Kind.fromPython(raw)
	if err != nil {
		return nil, invalid(s, err, raw, src)
	}
	return finish(s, v, src, dir)
}

// finish makes a relative path absolute (for settings marked relPath) and
// runs the setting's check.
func finish(s Setting, v any, src Source, dir string) (any, error) {
	written, rewritten := v, false
	if p, ok := v.(string); ok && s.relPath && p != "" && !filepath.IsAbs(p) {
		v, rewritten = filepath.Join(dir, p), true
	}
	if s.check == nil {
		return v, nil
	}
	checked, err := s.check(v)
	if err != nil && rewritten {
		return nil, invalid(s, nil, written, src) // quote the path as it was written
	}
	if err != nil {
		return nil, invalid(s, err, v, src)
	}
	return checked, nil
}

// invalid writes "NAME: expected WHAT, got VALUE (SOURCE)".
func invalid(s Setting, err error, raw any, src Source) error {
	got := repr(raw)
	var b badValue
	if errors.As(err, &b) {
		got = b.got
	}
	return errorf(ErrInvalid, "%s: expected %s, got %s (%s)", s.Name, s.Expect, got, src)
}

func fromEnvDefault(s Setting, e *environment) (string, Source, bool) {
	if s.envDefault == nil {
		return "", Source{}, false
	}
	return s.envDefault(e)
}

// clone copies slices and maps, so that no Config shares the table's.
func clone(v any) any {
	switch v := v.(type) {
	case []string:
		return append([]string{}, v...)
	case map[string]string:
		return maps.Clone(v)
	}
	return v
}

// assign stores v in the Settings field ptr points to.
func assign(ptr, v any) {
	switch p := ptr.(type) {
	case *int:
		*p = v.(int)
	case *string:
		*p = v.(string)
	case *bool:
		*p = v.(bool)
	case *[]string:
		*p = v.([]string)
	case *map[string]string:
		*p = v.(map[string]string)
	}
}
