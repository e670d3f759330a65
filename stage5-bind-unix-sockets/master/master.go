// Package master is stage 5's master: stage 4's arbiter with its hooks
// filled in. Through them it listens on every form of bind and on the
// sockets systemd passes (package sockets), speaks TLS on the TCP ones, and,
// started as root with user or group set, drops root once it has bound,
// before its first worker starts (package privileges).
//
// The order of a start, each step before any worker exists:
//
//  1. arbiter.Run opens the logs and changes to chdir;
//  2. Listen (listen): resolve user and group, load the certificate, open
//     every socket, the unix socket files made with umask and owned by
//     user and group; an error is one line naming the bind or setting;
//  3. Bound (bound): make the log files the user's, so that USR1 can
//     reopen them, then drop root; check what the user will need later
//     (worker_tmp_dir, the socket files' directories, the certificate for
//     a HUP);
//  4. the arbiter starts the workers, which are the user's from birth.
//
// At HUP (hup) the certificate is read again; at exit the listeners close
// and the socket files the master made are removed.
package master

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"

	"gunicorn-go/stage2-single-worker/logging"
	"gunicorn-go/stage3-config-file/command"
	"gunicorn-go/stage4-multi-worker/arbiter"
	"gunicorn-go/stage5-bind-unix-sockets/privileges"
	"gunicorn-go/stage5-bind-unix-sockets/sockets"
)

// FromSettings is the arbiter's Config from gunicorn's settings, as
// arbiter.FromSettings makes it, with stage 5's hooks.
func FromSettings(s *command.Settings) arbiter.Config {
	m := &master{first: s}
	return m.config(s)
}

// master is what the hooks share over the master's life.
type master struct {
	first *command.Settings // the settings the master started with: what it listens with

	id       privileges.Identity // whom to become
	drop     bool                // id is not who the process is
	tls      *sockets.TLS        // nil: plain HTTP
	unixDirs map[string]string   // a unix socket file's directory -> its bind, for the checks after the drop
}

// config is s's arbiter Config with the hooks, and a Reload that carries
// them on.
func (m *master) config(s *command.Settings) arbiter.Config {
	cfg := arbiter.FromSettings(s)
	cfg.Listen, cfg.Bound, cfg.OnHUP = m.listen, m.bound, m.hup
	cfg.Reload = func() (arbiter.Config, []string, error) {
		next, warnings, err := s.Reload()
		if err != nil {
			return arbiter.Config{}, nil, err
		}
		return m.config(next), append(warnings, m.restartNeeded(next)...), nil
	}
	return cfg
}

// listen is the Listen hook.
func (m *master) listen(ctx context.Context, log *logging.ErrorLog) ([]net.Listener, error) {
	c := m.first.Config
	id, ok, err := privileges.Lookup(c.User, c.Group)
	if err != nil {
		return nil, err
	}
	if ok {
		if err := privileges.CanDrop(id); err != nil {
			return nil, err
		}
		m.id, m.drop = id, !id.IsCurrent()
	}
	if c.CertFile != "" || c.KeyFile != "" {
		t, warnings, err := sockets.NewTLS(sockets.TLSOptions{
			CertFile: c.CertFile, KeyFile: c.KeyFile, CACerts: c.CACerts, CertReqs: c.CertReqs,
			Ciphers: c.Ciphers, SSLVersion: c.SSLVersion,
		})
		if err != nil {
			return nil, err
		}
		for _, w := range warnings {
			log.Warnf("%s", w)
		}
		m.tls = t
	}
	opts := sockets.Options{
		Binds: m.first.Server.Bind, Backlog: c.Backlog, ReusePort: c.ReusePort, Umask: c.Umask, TLS: m.tls,
		Errorf: log.Errorf, Infof: log.Infof, Warnf: log.Warnf,
	}
	if m.drop {
		opts.Owner = &sockets.Owner{UID: id.UID, GID: id.GID}
	}
	lns, err := sockets.Listen(ctx, opts)
	if err != nil {
		return nil, err
	}
	m.unixDirs = map[string]string{}
	for _, ln := range lns {
		if a := ln.Addr(); a.Network() == "unix" {
			m.unixDirs[filepath.Dir(a.String())] = "unix:" + a.String()
		}
	}
	return lns, nil
}

// bound is the Bound hook: drop root, when asked to, and check that the
// user can do what the server will ask of it.
func (m *master) bound(log *logging.ErrorLog) error {
	if !m.drop {
		return nil
	}
	c := m.first.Config
	for _, f := range []struct{ setting, path string }{{"errorlog", c.ErrorLog}, {"accesslog", c.AccessLog}} {
		// The log files are the user's, so that USR1 can reopen them, as
		// gunicorn does.
		if fi, err := os.Stat(f.path); err == nil && fi.Mode().IsRegular() {
			if err := os.Chown(f.path, m.id.UID, m.id.GID); err != nil {
				log.Warnf("%s %s: %v: USR1 cannot reopen it once root is dropped", f.setting, f.path, err)
			}
		}
	}
	if err := privileges.Drop(m.id); err != nil {
		return err
	}
	if m.id.UID == 0 {
		log.Warnf("group is set and user is not: the master and its workers run as %s, root still", m.id)
	} else {
		log.Infof("Dropped root: the master and its workers run as %s", m.id)
	}

	if dir := c.WorkerTmpDir; dir != "" && syscall.Access(dir, 2|1) != nil { // W_OK|X_OK
		return fmt.Errorf("worker_tmp_dir %s: not writable by %s, who spools request and response bodies there", dir, m.id.User)
	}
	for dir, b := range m.unixDirs {
		if syscall.Access(dir, 2|1) != nil {
			log.Warnf("bind %s: %s is not writable by %s, so the socket file cannot be removed at exit (the next start replaces it)", b, dir, m.id.User)
		}
	}
	if m.tls != nil {
		for _, f := range m.tls.Files() {
			if syscall.Access(f, 4) != nil { // R_OK
				log.Warnf("%s is not readable by %s: at HUP, a renewed certificate cannot be read, and the one loaded at start serves on", f, m.id.User)
			}
		}
	}
	return nil
}

// hup is the OnHUP hook: read the certificate again.
func (m *master) hup(log *logging.ErrorLog) {
	if m.tls == nil {
		return
	}
	warnings, err := m.tls.Reload()
	if err != nil {
		log.Errorf("TLS: the certificate was not reloaded, the previous one serves on: %v", err)
		return
	}
	for _, w := range warnings {
		log.Warnf("%s", w)
	}
	log.Infof("TLS: reloaded %s", strings.Join(m.tls.Files(), ", "))
}

// restartNeeded names the settings of stage 5 that changed at a HUP and act
// only in a new master: the sockets and the TLS settings are made once.
// (A renewed certificate under the same file name needs no restart.)
func (m *master) restartNeeded(next *command.Settings) []string {
	a, b := m.first.Config.Settings, next.Config.Settings
	fields := []struct {
		name     string
		old, new any
	}{
		{"user", a.User, b.User}, {"group", a.Group, b.Group}, {"umask", a.Umask, b.Umask},
		{"backlog", a.Backlog, b.Backlog}, {"reuse_port", a.ReusePort, b.ReusePort},
		{"certfile", a.CertFile, b.CertFile}, {"keyfile", a.KeyFile, b.KeyFile}, {"ca_certs", a.CACerts, b.CACerts},
		{"cert_reqs", a.CertReqs, b.CertReqs}, {"ciphers", a.Ciphers, b.Ciphers}, {"ssl_version", a.SSLVersion, b.SSLVersion},
	}
	var out []string
	for _, f := range fields {
		if !reflect.DeepEqual(f.old, f.new) {
			out = append(out, fmt.Sprintf("%s changed: it takes a new master (a restart) to act; serving on as before for it", f.name))
		}
	}
	return out
}
