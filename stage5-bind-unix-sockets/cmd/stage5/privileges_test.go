package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"gunicorn-go/shared/testkit"
	"gunicorn-go/stage5-bind-unix-sockets/privileges"
)

// requireRoot skips a test that needs root (they run as root here; a
// developer's machine may not). The tests that need it run servers as
// nobody, from the checkout: nobody must be able to reach it.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	testkit.RequireReachable(t, testkit.RepoRoot(t))
}

// nobody is the unprivileged user and group the tests drop to.
func nobody(t *testing.T) (uid, gid int) {
	t.Helper()
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no user nobody: %v", err)
	}
	g, err := user.LookupGroup("nogroup")
	if err != nil {
		t.Skipf("no group nogroup: %v", err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(g.Gid)
	return uid, gid
}

// lowPort is a free port below 1024, which only root may bind.
func lowPort(t *testing.T) int {
	t.Helper()
	for port := 1023; port > 900; port-- {
		if ln, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			ln.Close()
			return port
		}
	}
	t.Skip("no free port below 1024")
	return 0
}

// TestDropPrivileges: started as root with user and group, the master
// binds a port below 1024 and a unix socket (made the user's), makes its log
// file the user's, then drops root itself: the master and every worker run
// as the user and group, real, effective and saved ids alike, as /proc says.
func TestDropPrivileges(t *testing.T) {
	t.Parallel()
	requireRoot(t)
	uid, gid := nobody(t)
	dir := sharedDir(t)
	sockDir := filepath.Join(dir, "run")
	if err := os.Mkdir(sockDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(sockDir, uid, gid); err != nil { // as systemd's RuntimeDirectory= makes it
		t.Fatal(err)
	}
	sock := filepath.Join(sockDir, "app.sock")
	accessLog := filepath.Join(dir, "access.log")
	spool := filepath.Join(dir, "spool")
	if err := os.Mkdir(spool, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(spool, uid, gid); err != nil {
		t.Fatal(err)
	}
	port := lowPort(t)
	s := startServer(t, startOptions{}, "-u", "nobody", "-g", "nogroup", "-w", "2", "--access-logfile", accessLog,
		"--worker-tmp-dir", spool, "-b", fmt.Sprintf("127.0.0.1:%d", port), "-b", "unix:"+sock, "apps:app")
	s.WaitLog(fmt.Sprintf("Dropped root: the master and its workers run as user nobody (uid %d), group nogroup (gid %d)", uid, gid), waitTimeout)
	workers := s.waitWorkers(2)

	for _, pid := range append([]int{s.Pid()}, workers...) {
		uids, gids, err := privileges.ProcessIDs(pid)
		if err != nil {
			t.Fatal(err)
		}
		if uids != [4]int{uid, uid, uid, uid} || gids != [4]int{gid, gid, gid, gid} {
			t.Errorf("pid %d runs as uids %v, gids %v; want %d and %d throughout", pid, uids, gids, uid, gid)
		}
	}
	for _, addr := range []string{fmt.Sprintf("http://127.0.0.1:%d", port), "unix:" + sock} {
		if r := ask(t, addr, nil); r.UID != uid || r.GID != gid {
			t.Errorf("%s: the app ran as uid %d gid %d", addr, r.UID, r.GID)
		}
	}
	// A body above 1 MiB is spooled to worker_tmp_dir before the app
	// runs, by the master, as the user.
	big := strings.NewReader(strings.Repeat("x", 3<<20))
	resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/spool?%s", port, spool), "text/plain", big)
	if err != nil {
		t.Fatal(err)
	}
	var spooled map[string]int
	err = json.NewDecoder(resp.Body).Decode(&spooled)
	resp.Body.Close()
	if err != nil || len(spooled) == 0 {
		t.Errorf("no spool file in worker_tmp_dir during a 3 MiB upload: %v %v", spooled, err)
	}
	for name, owner := range spooled {
		if owner != uid {
			t.Errorf("the spool file %s belongs to uid %d, want %d", name, owner, uid)
		}
	}

	for _, path := range []string{sock, accessLog} {
		fi, err := os.Lstat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != uid || int(st.Gid) != gid {
			t.Errorf("%s belongs to %d:%d, want %d:%d", path, st.Uid, st.Gid, uid, gid)
		}
	}
	s.stop()
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("after TERM the socket file is still there: %v", err)
	}
}
