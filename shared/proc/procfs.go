package proc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrNoProcess: no process has the pid asked about (it exited, or never was).
var ErrNoProcess = errors.New("proc: no such process")

// stat returns the fields of /proc/PID/stat that follow the command name:
// state, ppid, pgrp, … The name is in parentheses and may itself hold spaces
// and parentheses ("123 (python3 (x)) S 1 …"), so the split is at the last ")".
func stat(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %d", ErrNoProcess, pid)
		}
		return nil, fmt.Errorf("read /proc/%d/stat: %w", pid, err)
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil, fmt.Errorf("/proc/%d/stat: no command name in %q", pid, b)
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 2 {
		return nil, fmt.Errorf("/proc/%d/stat: too short: %q", pid, b)
	}
	return fields, nil
}

// State returns process pid's state letter from /proc ("R", "S", "T" when
// stopped, "Z" for a zombie), or "" when there is no such process.
func State(pid int) string {
	fields, err := stat(pid)
	if err != nil {
		return ""
	}
	return fields[0]
}

// Running reports whether process pid is alive: neither gone nor a zombie.
// kill(pid, 0) cannot tell: it succeeds on a zombie, and an orphan killed in
// a container whose PID 1 does not reap stays one.
func Running(pid int) bool {
	state := State(pid)
	return state != "" && state != "Z"
}

// pids lists every process's id, from /proc.
func pids() ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var out []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid) // others are /proc/self, /proc/meminfo, …
		}
	}
	return out, nil
}

// Group returns the live processes (zombies left out) of process group
// pgid: after a server was stopped, none should be.
func Group(pgid int) ([]int, error) {
	all, err := pids()
	if err != nil {
		return nil, err
	}
	var members []int
	for _, pid := range all {
		fields, err := stat(pid)
		if err != nil || len(fields) < 3 || fields[0] == "Z" {
			continue // exited since, or a zombie
		}
		if fields[2] == strconv.Itoa(pgid) {
			members = append(members, pid)
		}
	}
	return members, nil
}

// Tree returns pid and all its descendants, pid first, parents before their
// children. Linux offers no list of a process's children without
// CONFIG_PROC_CHILDREN, so Tree reads every process's parent from /proc;
// a process that exits meanwhile is left out.
func Tree(pid int) ([]int, error) {
	if _, err := stat(pid); err != nil {
		return nil, err
	}
	all, err := pids()
	if err != nil {
		return nil, err
	}
	children := map[int][]int{}
	for _, child := range all {
		fields, err := stat(child)
		if err != nil {
			continue // exited since ReadDir
		}
		if ppid, err := strconv.Atoi(fields[1]); err == nil {
			children[ppid] = append(children[ppid], child)
		}
	}
	tree := []int{pid}
	for i := 0; i < len(tree); i++ {
		tree = append(tree, children[tree[i]]...)
	}
	return tree, nil
}

// RSS returns process pid's resident set size in bytes (VmRSS in
// /proc/PID/status): the memory it occupies now, shared pages included. A
// zombie occupies none.
func RSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Errorf("%w: %d", ErrNoProcess, pid)
		}
		return 0, fmt.Errorf("read memory of pid %d: %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/status: VmRSS: %w", pid, err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read /proc/%d/status: %w", pid, err)
	}
	return 0, nil // no VmRSS line: a zombie, or a kernel thread
}

// Memory is what a process tree occupies.
type Memory struct {
	Leader int64 // RSS of the tree's root (a server's master), in bytes
	Total  int64 // the sum of every process's RSS, in bytes
	Procs  int   // how many processes were counted
}

// TreeRSS measures pid's tree (see Tree). The total sums each process's
// RSS, so pages that forked workers share with their master count once per
// process: it bounds from above what the tree occupies. A descendant that
// exits while being measured is left out.
func TreeRSS(pid int) (Memory, error) {
	pids, err := Tree(pid)
	if err != nil {
		return Memory{}, err
	}
	var m Memory
	for i, p := range pids {
		rss, err := RSS(p)
		if err != nil {
			if i > 0 && errors.Is(err, ErrNoProcess) {
				continue
			}
			return Memory{}, err
		}
		if i == 0 {
			m.Leader = rss
		}
		m.Total += rss
		m.Procs++
	}
	return m, nil
}
