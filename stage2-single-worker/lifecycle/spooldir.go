package lifecycle

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"gunicorn-go/stage2-single-worker/logging"
)

// spoolPrefix names a master's spool directory: gunicorn-go-<pid>.
const spoolPrefix = "gunicorn-go-"

// tmpfsMagic is statfs(2)'s f_type of a tmpfs.
const tmpfsMagic = 0x01021994

// SpoolDir makes this master's directory for spooled bodies in parent (the
// worker_tmp_dir setting; "" for the system's temporary directory):
// parent/gunicorn-go-<pid>, that only its user may enter. The workers open
// spooled request bodies there by name, so a master killed with KILL
// leaves those files behind: SpoolDir first removes the directories of
// masters of this user that no longer run. remove removes this one, at
// exit. A directory on a tmpfs is noted in the log: what is spooled there
// takes memory, not disk.
func SpoolDir(parent string, elog *logging.ErrorLog) (dir string, remove func(), err error) {
	if parent == "" {
		parent = os.TempDir()
	}
	parent, err = filepath.Abs(parent)
	if err != nil {
		return "", nil, fmt.Errorf("worker_tmp_dir %s: %w", parent, err)
	}
	removeStale(parent, elog)
	dir = filepath.Join(parent, spoolPrefix+strconv.Itoa(os.Getpid()))
	if err := os.RemoveAll(dir); err != nil { // a dead master's, under our pid
		return "", nil, fmt.Errorf("worker_tmp_dir %s: %w", parent, err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", nil, fmt.Errorf("worker_tmp_dir %s: %w", parent, err)
	}
	var st syscall.Statfs_t
	if syscall.Statfs(dir, &st) == nil && st.Type == tmpfsMagic {
		elog.Infof("Spooling bodies in %s, a tmpfs: they take memory (up to request_spool_limit and response_spool_limit)", dir)
	}
	return dir, func() {
		if err := os.RemoveAll(dir); err != nil {
			elog.Warnf("remove the spool directory: %v", err)
		}
	}, nil
}

// removeStale removes the spool directories in parent of this user's
// masters that no longer run.
func removeStale(parent string, elog *logging.ErrorLog) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return // Mkdir will say what is wrong
	}
	for _, e := range entries {
		n, ok := strings.CutPrefix(e.Name(), spoolPrefix)
		other, err := strconv.Atoi(n)
		if !ok || err != nil || other <= 0 || other == os.Getpid() || !e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		if st, ok := info.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Getuid() {
			continue // another user's
		}
		if err := syscall.Kill(other, 0); !errors.Is(err, syscall.ESRCH) {
			continue // that master runs (or its pid was taken by another process: left alone)
		}
		path := filepath.Join(parent, e.Name())
		if err := os.RemoveAll(path); err != nil {
			elog.Warnf("remove the spool directory of master %d, which no longer runs: %v", other, err)
			continue
		}
		elog.Infof("Removed %s: the spool directory of master %d, which no longer runs", path, other)
	}
}
