// Command bench measures gunicorn-go against the servers it is meant to
// replace and the one it is built on, on the same machine and the same app,
// so a claim like "stage 2 is twice gunicorn's sync worker" is a number
// anyone can reproduce with `make bench`.
//
// One run starts each server in turn on a free 127.0.0.1 port, waits until
// it answers GET / with 200, drives it with wrk, then stops it and its whole
// process group before the next one starts, so the servers never compete for
// the two cores with each other (only with wrk):
//
//   - stage2: bin/stage2 serving shared/examples/hello.py
//   - gunicorn-sync: gunicorn -w 1 (the sync worker) on the same app
//   - gunicorn-gthread: gunicorn -w 1 -k gthread --threads 4
//   - net/http: Go's own server answering the same bytes, the ceiling a Go
//     server that calls no Python can reach. It runs as a child process (this
//     binary again, selected by an environment variable) so it is measured
//     like the others, in a process of its own.
//
// It prints a table and writes it with the machine's details to
// bench/RESULTS.md:
//
//	go run ./bench -d 8s -c 64 -t 2 -servers stage2,gunicorn-sync
//
// A server whose binary is missing (bin/stage2 before `make build`, gunicorn
// not installed) gets a "skipped" row; one that fails to start or serve gets
// a "failed" row and makes the exit status 1.
package main
