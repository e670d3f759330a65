// Command bench measures gunicorn-go against the servers it is meant to
// replace (gunicorn's sync and gthread workers, uWSGI) and the one it is
// built on (Go's net/http), on the same machine, the same app and the same
// load, so that a claim like "2.5× gunicorn" is a number anyone can
// reproduce with `make bench`.
//
// The eight cases (bench/README.md lists them) each name their
// servers. In a case, each server in turn is started on a free 127.0.0.1
// port, polled until it answers 200, driven by wrk (or, where wrk cannot
// measure what the case asks, by the harness's own Go load generator),
// measured (its process tree's memory, from /proc) and stopped with every
// process it started, before the next one starts: the servers never compete
// for the two cores with each other, only with the load generator. The
// whole list runs -rounds times, interleaved, and each row is its server's
// median round.
//
// gunicorn-go is the highest stage built: bin/gunicorn-go, else the highest
// bin/stageN from stage 3 up. The net/http contender is this binary again,
// selected by an environment variable, so that it is measured like the
// others, in a process of its own.
//
// It prints the results and writes them with the machine's details to
// bench/RESULTS.md:
//
//	go run ./bench -rounds 3                  # every case, as `make bench`
//	go run ./bench -cases 1,2 -d 20s -c 128   # two cases, a longer, harder load
//	go run ./bench -quick -out /tmp/r.md      # the smoke test of `make test`
//
// A server whose program or package is missing (uWSGI, Django) gets a
// "skipped" row naming the Debian package; one that fails to start or serve
// gets a "failed" row and makes the exit status 1.
package main
