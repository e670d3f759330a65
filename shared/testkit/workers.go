package testkit

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// WorkerTitle is how a gunicorn-go worker's command line begins in ps.
const WorkerTitle = "gunicorn-go: worker"

// Workers returns the pids of master's live workers: its children, not
// zombies, whose command line is a worker's title. Sorted.
func Workers(master int) []int {
	var pids []int
	stats, _ := filepath.Glob("/proc/[0-9]*/stat") // the pattern is valid
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // it exited meanwhile
		}
		s := string(data)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // state, ppid, …
		if len(fields) < 2 || fields[1] != strconv.Itoa(master) || fields[0] == "Z" {
			continue
		}
		pid, _ := strconv.Atoi(strings.Fields(s)[0])
		if strings.HasPrefix(Cmdline(pid), WorkerTitle) {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	return pids
}

// Cmdline is a process's command line as ps shows it (its NULs as spaces),
// "" once it is gone.
func Cmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)) // gone: ""
	return strings.TrimSpace(string(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
}
