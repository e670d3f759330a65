// Package service is gunicorn-go's master as a service: stage 5's master
// (package master) with what a server needs once something else runs it:
// systemd, Supervisor, an init script, or an operator's upgrade.
//
//   - The pid file (pidfile, --pid FILE), written before the master
//     listens and removed as it exits (package pidfile).
//   - systemd's readiness protocol (package notify): READY=1 with a STATUS=
//     once the workers have loaded the app, not merely once the master has
//     bound as gunicorn says it; RELOADING=1 and READY=1 around a HUP;
//     STOPPING=1; WATCHDOG=1 when the unit has WatchdogSec=.
//   - USR2 (package upgrade): a new master from the binary on disk, the
//     listeners handed over; once its workers serve, it tells systemd it is
//     the main process (MAINPID=), and the old master stops accepting and
//     finishes its requests, as at TERM. One USR2 is the whole upgrade; a
//     new master that fails leaves the old one serving.
//   - daemon (-D): the command starts the master detached and returns once
//     it serves.
//
// All of it goes through stage 4's arbiter hooks (arbiter.Config's Listen,
// Ready, Stopping, OnHUP, OnUSR2, OnWINCH and Stop): the arbiter's loop
// calls them, and the upgrade's goroutines talk back to it through Stop.
package service

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"gunicorn-go/stage2-single-worker/lifecycle"
	"gunicorn-go/stage2-single-worker/logging"
	"gunicorn-go/stage3-config-file/command"
	"gunicorn-go/stage4-multi-worker/arbiter"
	"gunicorn-go/stage5-bind-unix-sockets/master"
	"gunicorn-go/stage5-bind-unix-sockets/sockets"
	"gunicorn-go/stage6-supervision/notify"
	"gunicorn-go/stage6-supervision/pidfile"
	"gunicorn-go/stage6-supervision/upgrade"
)

// Run is bin/gunicorn-go's whole master, serving with s; origin is how the
// command was started (upgrade.CaptureOrigin, first thing in main). It
// returns the exit code: the arbiter's, or 1 when the pid file or the
// variables of an upgrade say the master must not start.
func Run(s *command.Settings, origin upgrade.Origin) int {
	parent, err := upgrade.Inherited()
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		return command.ExitError
	}
	if s.Daemon && parent == nil {
		return daemonize(origin)
	}
	svc := &service{
		origin:   origin,
		parent:   parent,
		daemon:   s.Daemon,
		app:      s.Server.App,
		notifier: notify.FromEnv(),
		stop:     make(chan string, 1),
		promoted: parent == nil || parent.Pid == 0,
	}
	return svc.run(s)
}

// service is what the hooks share over the master's life. The arbiter's
// loop calls the hooks; the upgrade's goroutines run beside it.
type service struct {
	origin   upgrade.Origin
	parent   *upgrade.Parent // who started us: an old master (Pid > 0), a daemonizing command, or nil
	daemon   bool
	app      string
	notifier *notify.Notifier
	stop     chan string // the arbiter's Stop: one reason, sent once a new master serves

	mu         sync.Mutex // guards what follows
	log        *logging.ErrorLog
	lns        []net.Listener
	pid        *pidfile.File // nil without a pidfile setting
	pidPath    string        // the pidfile setting, absolute: what FILE.2 becomes
	child      *upgrade.Child
	handedOver bool // a new master serves: no STOPPING=1, the socket files are its
	promoted   bool // no old master is left (or there never was one)
	stopping   bool
	readyOnce  bool
}

func (svc *service) run(s *command.Settings) int {
	if err := svc.writePidFile(s); err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		return command.ExitError
	}
	defer svc.removePidFile()

	first := s
	if svc.upgraded() {
		// Listen on the descriptors handed over, not the binds. The
		// arbiter is told the binds still, so that a HUP compares the
		// settings with the settings.
		c := *s
		c.Server.Bind = svc.parent.Binds()
		first = &c
	}
	cfg := svc.hooks(master.FromSettings(first))
	cfg.Bind = s.Server.Bind

	if svc.upgraded() {
		go func() {
			<-svc.parent.Gone()
			svc.promote()
		}()
	}
	return arbiter.Run(cfg)
}

// hooks returns cfg, stage 5's, with stage 6's hooks around and beside
// stage 5's, and a Reload that puts them on the reloaded Config too.
func (svc *service) hooks(cfg arbiter.Config) arbiter.Config {
	listen, hup, reload := cfg.Listen, cfg.OnHUP, cfg.Reload
	cfg.Listen = func(ctx context.Context, log *logging.ErrorLog) ([]net.Listener, error) {
		return svc.listen(ctx, log, listen)
	}
	cfg.OnHUP = func(log *logging.ErrorLog) {
		svc.send(log, append(notify.ReloadingNow(), notify.Status("Reloading"))...)
		if hup != nil {
			hup(log)
		}
	}
	if reload != nil {
		cfg.Reload = func() (arbiter.Config, []string, error) {
			next, warnings, err := reload()
			if err != nil {
				return arbiter.Config{}, nil, err
			}
			return svc.hooks(next), warnings, nil
		}
	}
	if every := svc.notifier.WatchdogInterval() / 2; every > 0 {
		cfg.Alive, cfg.AliveEvery = svc.alive, every
	}
	cfg.Ready = svc.ready
	cfg.Stopping = svc.stopped
	cfg.OnUSR2 = svc.usr2
	cfg.OnWINCH = svc.winch
	cfg.Stop = svc.stop
	return cfg
}

// listen is the Listen hook: stage 5's, then the socket files of an
// upgrade taken over, and the listeners kept for the next upgrade.
func (svc *service) listen(ctx context.Context, log *logging.ErrorLog, inner func(context.Context, *logging.ErrorLog) ([]net.Listener, error)) ([]net.Listener, error) {
	svc.mu.Lock()
	svc.log = log
	svc.mu.Unlock()
	if svc.upgraded() {
		log.Infof("Serving the %d socket(s) the old master (pid %d) handed over (USR2), not the bind setting", len(svc.parent.FDs), svc.parent.Pid)
	}
	lns, err := inner(ctx, log)
	if err != nil {
		return nil, err
	}
	if svc.upgraded() {
		for i, fd := range svc.parent.FDs {
			if i < len(lns) && svc.parent.OwnsFile(fd) {
				lns[i] = sockets.Adopt(lns[i], log.Warnf)
			}
		}
	}
	svc.mu.Lock()
	svc.lns = lns
	svc.mu.Unlock()
	return lns, nil
}

// alive is the Alive hook, run by the loop at half the interval systemd's
// watchdog asked for: WATCHDOG=1. Sent from the loop, between its other
// work, it stops when the loop is stuck (in a hook, a reload, a lock), and
// systemd then restarts the master, which is what the watchdog is for.
func (svc *service) alive(log *logging.ErrorLog) {
	if err := svc.notifier.Send(notify.Watchdog); err != nil {
		log.Warnf("sd_notify watchdog: %v", err)
	}
}

// ready is the Ready hook. The first time, whoever started us is told
// (the old master of an upgrade, which then hands over; the command that
// daemonized, which then returns); systemd is told READY=1 each time,
// except by a new master that is not yet the main process.
func (svc *service) ready(log *logging.ErrorLog, workers int) {
	svc.mu.Lock()
	first := !svc.readyOnce
	svc.readyOnce = true
	promoted := svc.promoted
	at := lifecycle.ListeningAt(svc.lns)
	svc.mu.Unlock()
	if first && !promoted {
		log.Infof("Telling the old master (pid %d) to hand over", svc.parent.Pid)
	}
	if first && svc.parent != nil {
		if err := svc.parent.Ready(); err != nil && !promoted {
			log.Warnf("%v", err)
		}
	}
	if first && !promoted {
		return // the old master tells systemd (MAINPID=)
	}
	status := fmt.Sprintf("Serving %s with %d worker(s) at %s", svc.app, workers, at)
	if workers == 0 {
		status = fmt.Sprintf("Serving %s in the master at %s", svc.app, at)
	}
	svc.send(log, notify.Ready, notify.Status(status))
}

// stopped is the Stopping hook.
func (svc *service) stopped(log *logging.ErrorLog) {
	svc.mu.Lock()
	svc.stopping = true
	handedOver := svc.handedOver
	svc.mu.Unlock()
	if !handedOver { // else systemd follows the new master, which is not stopping
		svc.send(log, notify.Stopping, notify.Status("Stopping"))
	}
}

// send sends to systemd, when it listens; a failure is logged.
func (svc *service) send(log *logging.ErrorLog, assignments ...string) {
	if err := svc.notifier.Send(assignments...); err != nil {
		log.Warnf("sd_notify: %v", err)
	}
}

// upgraded reports whether this is the new master of an upgrade (promoted
// or not yet).
func (svc *service) upgraded() bool { return svc.parent != nil && svc.parent.Pid != 0 }

// logger is the master's error log, or stderr before it is open.
func (svc *service) logger() *logging.ErrorLog {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	if svc.log == nil {
		return logging.NewErrorLog(logging.NewOutput(os.Stderr), logging.Info)
	}
	return svc.log
}

// writePidFile writes the pid file, FILE.2 for the new master of an
// upgrade while the old one lives. A relative path is taken from chdir,
// as gunicorn, which has changed to it by then, takes it.
func (svc *service) writePidFile(s *command.Settings) error {
	if s.PidFile == "" {
		return nil
	}
	path := s.PidFile
	if !filepath.IsAbs(path) {
		path = filepath.Join(s.Config.Chdir, path)
	}
	svc.pidPath = path
	if svc.upgraded() {
		path += ".2"
	}
	f, err := pidfile.Create(path, os.Getpid())
	if err != nil {
		return err
	}
	svc.pid = f
	return nil
}

func (svc *service) removePidFile() {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	if svc.pid != nil {
		if err := svc.pid.Remove(); err != nil {
			fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		}
	}
}

// promote runs in a new master once the old one has exited, as gunicorn's
// maybe_promote_master does: FILE.2 becomes FILE, and a USR2 may start
// another upgrade.
func (svc *service) promote() {
	log := svc.logger()
	svc.mu.Lock()
	defer svc.mu.Unlock()
	svc.promoted = true
	if svc.pid != nil {
		if err := svc.pid.Rename(svc.pidPath); err != nil {
			log.Errorf("The old master is gone, and its pid file cannot be taken over: %v", err)
		}
	}
	log.Infof("Master has been promoted: the old master (pid %d) is gone", svc.parent.Pid)
}

// daemonize is -D: start the master again, detached, and return once its
// workers serve (0), or with its exit code when it stops first. gunicorn's
// command returns at once, before the daemon has even bound; this one
// says whether the server started.
func daemonize(o upgrade.Origin) int {
	syscall.Umask(0o22) // the daemon's, as gunicorn's daemonize sets it
	c, err := upgrade.Start(o, upgrade.Options{Daemon: true})
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: daemon: %v\n", err)
		return command.ExitError
	}
	if err := <-c.Ready(); err != nil {
		fmt.Fprintf(os.Stderr, "Error: the daemon (pid %d) %v; its error log says why\n", c.Pid, err)
		if code := c.ExitCode(); code > 0 {
			return code
		}
		return command.ExitError
	}
	return command.ExitOK
}
