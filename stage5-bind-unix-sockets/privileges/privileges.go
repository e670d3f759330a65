// Package privileges is how a server started as root stops being root:
// gunicorn's user and group settings, applied to the whole process.
//
// Only root may bind a port below 1024 or make a socket file another user
// owns, so a server is often started as root. But a process that parses
// bytes from the network, or runs the app, must not stay root: a bug in
// either would hand the attacker the machine. gunicorn's master stays root
// and switches each worker to user and group as it forks it; its master
// still parses nothing. gunicorn-go's master parses every request (it owns
// the connections), so it drops root itself, once it has bound its sockets
// and before it starts any worker: the workers, its children, are then that
// user from their first instruction.
//
//	id, ok, err := privileges.Lookup("www-data", "")
//	...bind, chown the socket files...
//	err = privileges.Drop(id)
//
// Drop is for the whole process: on Linux, Go applies setuid(2) and its kin
// to every thread (since Go 1.16), where C's would change one thread only.
package privileges

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"syscall"
)

// Identity is a user and group to run as.
type Identity struct {
	UID, GID    int
	User, Group string // as they are named in messages: "www-data (uid 33)"
}

// String names the identity for the log: "user www-data (uid 33), group
// www-data (gid 33)".
func (id Identity) String() string {
	return fmt.Sprintf("user %s (uid %d), group %s (gid %d)", id.User, id.UID, id.Group, id.GID)
}

// Lookup resolves the user and group settings, each a name or a numeric id.
// ok is false when neither is set: the process stays who it is. Without a
// group, the user's own (primary) group is taken, where gunicorn keeps the
// master's, which for a master started as root is root's group. Without a
// user, the process's user stays. Errors name the setting: "user
// nosuchuser: no such user".
func Lookup(userSetting, groupSetting string) (id Identity, ok bool, err error) {
	if userSetting == "" && groupSetting == "" {
		return Identity{}, false, nil
	}
	id = Identity{UID: os.Getuid(), GID: os.Getgid()}
	id.User, id.Group = nameOfUser(id.UID), nameOfGroup(id.GID)
	if userSetting != "" {
		u, err := lookupUser(userSetting)
		if err != nil {
			if _, notID := strconv.Atoi(userSetting); notID != nil || groupSetting == "" {
				return Identity{}, false, fmt.Errorf("user %s: %w", userSetting, err)
			}
			// A numeric uid with no entry in the user database is allowed,
			// as in gunicorn, when the group is given too.
			u = &user.User{Uid: userSetting, Username: userSetting}
		}
		id.UID, _ = strconv.Atoi(u.Uid)
		id.User = u.Username
		if groupSetting == "" {
			gid, err := strconv.Atoi(u.Gid)
			if err != nil {
				return Identity{}, false, fmt.Errorf("user %s: no primary group: %w", userSetting, err)
			}
			id.GID, id.Group = gid, nameOfGroup(gid)
		}
	}
	if groupSetting != "" {
		g, err := lookupGroup(groupSetting)
		if err != nil {
			if _, notID := strconv.Atoi(groupSetting); notID != nil {
				return Identity{}, false, fmt.Errorf("group %s: %w", groupSetting, err)
			}
			g = &user.Group{Gid: groupSetting, Name: groupSetting}
		}
		id.GID, _ = strconv.Atoi(g.Gid)
		id.Group = g.Name
	}
	return id, true, nil
}

func lookupUser(s string) (*user.User, error) {
	if _, err := strconv.Atoi(s); err == nil {
		u, err := user.LookupId(s)
		if err != nil {
			return nil, errors.New("no such user id")
		}
		return u, nil
	}
	u, err := user.Lookup(s)
	if err != nil {
		return nil, errors.New("no such user")
	}
	return u, nil
}

func lookupGroup(s string) (*user.Group, error) {
	if _, err := strconv.Atoi(s); err == nil {
		g, err := user.LookupGroupId(s)
		if err != nil {
			return nil, errors.New("no such group id")
		}
		return g, nil
	}
	g, err := user.LookupGroup(s)
	if err != nil {
		return nil, errors.New("no such group")
	}
	return g, nil
}

func nameOfUser(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return strconv.Itoa(uid)
}

func nameOfGroup(gid int) string {
	if g, err := user.LookupGroupId(strconv.Itoa(gid)); err == nil {
		return g.Name
	}
	return strconv.Itoa(gid)
}

// IsCurrent reports whether the process already is id, all its ids (real,
// effective, saved, file system) included: Drop has nothing to do.
func (id Identity) IsCurrent() bool {
	uids, gids, err := ProcessIDs(os.Getpid())
	if err != nil {
		return false
	}
	for i := range uids {
		if uids[i] != id.UID || gids[i] != id.GID {
			return false
		}
	}
	return true
}

// ProcessIDs reads a process's user and group ids from /proc: real,
// effective, saved and file system, in that order. Tests read a worker's
// this way.
func ProcessIDs(pid int) (uids, gids [4]int, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return uids, gids, err
	}
	found := 0
	for _, line := range strings.Split(string(data), "\n") {
		key, rest, _ := strings.Cut(line, ":")
		var ids *[4]int
		switch key {
		case "Uid":
			ids = &uids
		case "Gid":
			ids = &gids
		default:
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 4 {
			return uids, gids, fmt.Errorf("/proc/%d/status: %q", pid, line)
		}
		for i, f := range fields {
			if ids[i], err = strconv.Atoi(f); err != nil {
				return uids, gids, fmt.Errorf("/proc/%d/status: %q", pid, line)
			}
		}
		found++
	}
	if found != 2 {
		return uids, gids, fmt.Errorf("/proc/%d/status: no Uid and Gid lines", pid)
	}
	return uids, gids, nil
}

// CanDrop says whether Drop can become id: it needs root, unless the
// process is id already. The error names the setting.
func CanDrop(id Identity) error {
	if id.IsCurrent() || os.Geteuid() == 0 {
		return nil
	}
	return fmt.Errorf("user %s, group %s: switching to them needs root, and the server runs as uid %d", id.User, id.Group, os.Geteuid())
}

// Drop makes the whole process id, for good: supplementary groups are
// cleared (root's would otherwise stay), then the group is set, then the
// user, in that order because once the user is not root the group can no
// longer change. Real, effective and saved ids all change, so root cannot
// be taken back; Drop checks that it cannot.
func Drop(id Identity) error {
	if id.IsCurrent() {
		return nil
	}
	if err := CanDrop(id); err != nil {
		return err
	}
	if err := syscall.Setgroups(nil); err != nil {
		return fmt.Errorf("dropping the supplementary groups: %w", err)
	}
	if err := syscall.Setresgid(id.GID, id.GID, id.GID); err != nil {
		return fmt.Errorf("group %s: setting gid %d: %w", id.Group, id.GID, err)
	}
	if err := syscall.Setresuid(id.UID, id.UID, id.UID); err != nil {
		return fmt.Errorf("user %s: setting uid %d: %w", id.User, id.UID, err)
	}
	if !id.IsCurrent() {
		return fmt.Errorf("%s: the process's ids did not all change", id)
	}
	if id.UID != 0 && syscall.Setresuid(0, 0, 0) == nil {
		return fmt.Errorf("%s: root could be taken back after dropping it", id)
	}
	return nil
}
