// Package tutorialcheck keeps TUTORIAL.md honest. A tutorial rots quietly:
// a flag is renamed, a file moves, and the transcript a learner copies no
// longer matches what the repository does. This package reads the tutorial's
// checked console blocks, runs each command and compares what it prints with
// what the tutorial says it prints, so `make test` fails the day they differ.
//
// A checked block is a fenced code block whose info string is "console check":
//
//	```console check
//	$ ls shared/examples
//	hello.py
//	...
//	```
//
// The rules, which TUTORIAL.md repeats for its writers:
//
//   - A line starting with "$ " is a command. It runs with `bash -c` from the
//     repository's root, on its own: a `cd` or a variable does not carry over
//     to the next command (chain with && instead). A command line ending in a
//     backslash continues on the next line, as in a shell.
//   - The lines after a command, up to the next command or the end of the
//     block, are what it must print (stdout and stderr together, as a terminal
//     shows them). Trailing spaces and trailing blank lines do not count.
//   - A line holding only "..." matches any number of lines, none included.
//   - A command must exit 0, unless its expected output ends with a line
//     "[exit N]", which asserts exit status N instead.
//   - Each command has 30 seconds. A command that starts a server never
//     returns, so servers belong in plain (unchecked) console blocks; the
//     stage's own tests prove they work.
//
// Blocks with any other info string ("console", "sh", "go") are prose and are
// not run.
package tutorialcheck
