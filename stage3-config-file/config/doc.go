// Package config is stage 3's one settings table and the loader that fills it
// from every place gunicorn reads settings.
//
// # Where a setting comes from
//
// Lowest precedence first:
//
//  1. the table's default, some derived from the environment: workers from
//     WEB_CONCURRENCY, bind from PORT (0.0.0.0:$PORT), forwarded_allow_ips
//     from FORWARDED_ALLOW_IPS, python from VIRTUAL_ENV;
//  2. the config file: ./gunicorn.conf.py when it exists, or what -c names (a
//     path, or python:MODULE);
//  3. GUNICORN_CMD_ARGS, flags in one environment variable, split like a shell;
//  4. the command line.
//
// A repeatable flag (-b, -e) accumulates within one source; a higher source
// replaces the whole list.
//
// # Why Python runs the config file
//
// A gunicorn.conf.py is a Python program: "workers =
// multiprocessing.cpu_count() * 2 + 1" is arithmetic on an import, and
// configs read os.environ, define functions and import helpers. Parsing it as
// text would work for the simple cases and break on the rest, so Load does
// what gunicorn does: it runs the file in the real interpreter (runconfig.py,
// embedded in this package) and reads back the names it defined, as JSON on
// descriptor 3. Values JSON cannot hold come back as their type's name, so a
// server hook is recognised as a function and warned about, never fatal.
//
// # One table
//
// Every setting is one Setting row in settings.go: name, section, flags,
// placeholder, kind, default, validator, help line and doc paragraph. The
// flag parser, the config-file reader, Help, Config.Print and SettingsDoc (which
// writes docs/settings.md) read the rows; adding a setting is adding a row.
//
//	cfg, err := config.Load(os.Args[1:], os.Environ())
//	switch {
//	case errors.Is(err, config.ErrHelp):
//		fmt.Print(config.Help("stage3"))
//	case err != nil:
//		fmt.Fprintln(os.Stderr, err) // workers: expected a positive integer, got 'many' (gunicorn.conf.py)
//	default:
//		fmt.Println(cfg.Workers, cfg.Bind, cfg.Sources["workers"])
//	}
//
// Regenerate docs/settings.md and testdata/help.golden after changing the
// table:
//
//go:generate go test -run ^(TestSettingsDoc|TestHelpGolden)$ -update .
package config
