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
//     repository's root, on its own: a `cd` does not carry over to the next
//     command (chain with && instead). A command line ending in a backslash
//     continues on the next line, as in a shell.
//   - A command that only sets a variable, "site=$(mktemp -d)", sets it for
//     the rest of the block, as in a shell: the later commands, a server
//     included, get it in their environment. The value is a word, a quoted
//     string or one $(…) without parentheses inside; other variables do not
//     carry over. TestTutorial gives each block a TMPDIR of its own, removed
//     after it, so what mktemp makes there needs no cleaning up.
//   - The lines after a command, up to the next command or the end of the
//     block, are what it must print (stdout and stderr together, as a terminal
//     shows them). Trailing spaces and trailing blank lines do not count.
//   - A line holding only "..." matches any number of lines, none included.
//     Inside a line, "..." matches any text within that line:
//     "Date: ..." matches every Date header.
//   - A command must exit 0, unless its expected output ends with a line
//     "[exit N]", which asserts exit status N instead.
//   - Each command has 30 seconds.
//   - Words after "console check" name what the block needs, as Debian
//     packages: "console check needs=curl,python3-django". TestTutorial skips
//     the block where one is missing, and fails under CI.
//
// # Blocks that start a server
//
// A server never returns, so a block starts it as a learner would in a
// terminal, in the background with "&", talks to it, and stops it with
// "kill $!":
//
//	```console check needs=curl
//	$ bin/stage2 -b 127.0.0.1:8000 --chdir shared/examples hello:app &
//	[...] [...] [INFO] Starting gunicorn-go 0.4.0
//	[...] [...] [INFO] Listening at: http://127.0.0.1:8000 (...)
//	...
//	$ curl -s http://127.0.0.1:8000/
//	<html>Hello, world!</html>
//	$ kill $!
//	[...] [...] [INFO] Handling signal: term
//	...
//	```
//
// In such a block:
//
//   - The command ending in "&" (one per block) starts the server as a
//     shell does: a background job with a process group of its own. The
//     checker waits for it to log "Listening at: ", and for the lines under
//     the command: its start-up lines, those up to "Listening at:" at least.
//     Write "..." in their place to leave them out; nothing under the
//     command is an error.
//   - "$!" in later commands is the server's pid, as in the learner's shell:
//     "kill -HUP $!", "ps --ppid $!".
//   - The server's output appears in the block where a terminal would show
//     it: after the command's own output, under the command during which it
//     was printed. The checker waits, up to the command's time, for the
//     server lines a command shows. A "..." ending what a command shows
//     stands for the server's lines too, until the next server line the
//     block shows. Other server lines the block does not show where they
//     came are expected later: with the next command that shows server
//     lines, or at the stop.
//   - The block's last "kill … $!" or "wait $!" is where the server stops.
//     The checker waits for it to exit; the lines under that command are the
//     rest of its output, all of it. The server must exit 0, unless the block
//     ends with "wait $!", whose "[exit N]" is the server's status. Nothing
//     the server started may still run after it exited. A block that starts
//     a server and never stops it is an error.
//   - Ports 8000 to 8009, written ":8000" in the block's commands, are
//     replaced by free ports of the machine, and the output shows them as
//     8000 to 8009 again. A learner who copies the block gets the same
//     transcript on the real port 8000; the test runs wherever 8000 is taken.
//     A server listening on a TCP port the checker did not choose (its
//     default 8000, because the block did not name it) is an error: name the
//     address, as in "-b 127.0.0.1:8000". Numbers that are ports but do not
//     follow a colon ("SERVER_PORT=8000") are not replaced: use "..." there.
//   - If a command fails, the server and its process group are killed.
//
// The shell's job messages ("[1] 5102", "[1]+ Done") are not part of the
// transcript. A server command should be one simple command: with
// "cd dir && server &" the learner's "$!" is a subshell, and "kill $!"
// would leave the server running, which the checker reports.
//
// Blocks with any other info string ("console", "sh", "go") are prose and are
// not run.
package tutorialcheck
