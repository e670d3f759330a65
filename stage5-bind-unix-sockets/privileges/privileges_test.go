package privileges

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"testing"
)

func ids(t *testing.T, userName, groupName string) (int, int) {
	t.Helper()
	u, err := user.Lookup(userName)
	if err != nil {
		t.Skipf("no user %s: %v", userName, err)
	}
	g, err := user.LookupGroup(groupName)
	if err != nil {
		t.Skipf("no group %s: %v", groupName, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(g.Gid)
	return uid, gid
}

func TestLookup(t *testing.T) {
	t.Parallel()
	nobody, nogroup := ids(t, "nobody", "nogroup")
	u, _ := user.Lookup("nobody")
	primary, _ := strconv.Atoi(u.Gid)
	tests := []struct {
		user, group string
		ok          bool
		uid, gid    int
		err         string
	}{
		{"", "", false, 0, 0, ""},
		{"nobody", "", true, nobody, primary, ""},
		{"nobody", "nogroup", true, nobody, nogroup, ""},
		{strconv.Itoa(nobody), "nogroup", true, nobody, nogroup, ""},
		{"", "nogroup", true, os.Getuid(), nogroup, ""},
		{"54321", "54321", true, 54321, 54321, ""}, // ids with no entry: as gunicorn allows
		{"54321", "", false, 0, 0, "user 54321: no such user id"},
		{"no-such-user", "", false, 0, 0, "user no-such-user: no such user"},
		{"nobody", "no-such-group", false, 0, 0, "group no-such-group: no such group"},
	}
	for _, tc := range tests {
		id, ok, err := Lookup(tc.user, tc.group)
		if (err == nil) != (tc.err == "") || (err != nil && err.Error() != tc.err) {
			t.Errorf("Lookup(%q, %q): error %v, want %q", tc.user, tc.group, err, tc.err)
			continue
		}
		if ok != tc.ok || (ok && (id.UID != tc.uid || id.GID != tc.gid)) {
			t.Errorf("Lookup(%q, %q) = %+v, %v; want uid %d gid %d, %v", tc.user, tc.group, id, ok, tc.uid, tc.gid, tc.ok)
		}
	}
}

// TestDrop drops root in a child process (the test's own must stay root):
// every id changes, every thread's, and root cannot be taken back.
func TestDrop(t *testing.T) {
	if os.Getenv("PRIVILEGES_TEST_DROP") == "1" {
		id, _, err := Lookup("nobody", "nogroup")
		if err == nil {
			err = Drop(id)
		}
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		uids, gids, err := ProcessIDs(os.Getpid())
		groups, _ := os.Getgroups()
		fmt.Println(uids, gids, groups, err)
		os.Exit(0)
	}
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	nobody, nogroup := ids(t, "nobody", "nogroup")
	cmd := exec.Command(os.Args[0], "-test.run=^TestDrop$")
	cmd.Env = append(os.Environ(), "PRIVILEGES_TEST_DROP=1")
	out, err := cmd.CombinedOutput()
	want := fmt.Sprintf("[%[1]d %[1]d %[1]d %[1]d] [%[2]d %[2]d %[2]d %[2]d] [] <nil>", nobody, nogroup)
	if err != nil || strings.TrimSpace(string(out)) != want {
		t.Errorf("after Drop: %q (%v), want %q", out, err, want)
	}
}

func TestCanDrop(t *testing.T) {
	t.Parallel()
	me := Identity{UID: os.Getuid(), GID: os.Getgid(), User: "me", Group: "mine"}
	if err := CanDrop(me); err != nil {
		t.Errorf("becoming who one is: %v", err)
	}
	if os.Geteuid() == 0 {
		return // root can become anyone
	}
	if err := CanDrop(Identity{UID: 0, GID: 0, User: "root", Group: "root"}); err == nil {
		t.Error("a user that is not root could become root")
	}
}
