package main

import (
	"fmt"
	"syscall"
)

// raiseFDLimit lifts this process's soft limit on open files to its hard
// limit and returns it. Case 5 holds 10,000 connections: the harness needs
// a descriptor for each, and so does the server, which inherits the limit.
//
// The Go runtime already raises its own soft limit at start-up, but hands
// children the limit it started with; an explicit Setrlimit is what makes
// os/exec pass the raised one on.
func raiseFDLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("read the open-files limit: %w", err)
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("raise the open-files limit to %d: %w", lim.Max, err)
	}
	return lim.Cur, nil
}

// fdShortage says why the open-files limit cannot hold need descriptors, or "".
func fdShortage(need int) string {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return "cannot read the open-files limit: " + err.Error()
	}
	if lim.Cur < uint64(need) {
		return fmt.Sprintf("the open-files limit is %d, below the %d this needs (raise the hard limit: ulimit -Hn)", lim.Cur, need)
	}
	return ""
}
