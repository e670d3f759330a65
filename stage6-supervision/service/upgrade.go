package service

import (
	"fmt"

	"gunicorn-go/stage2-single-worker/logging"
	"gunicorn-go/stage5-bind-unix-sockets/sockets"
	"gunicorn-go/stage6-supervision/notify"
	"gunicorn-go/stage6-supervision/upgrade"
)

// usr2 is the OnUSR2 hook: start a new master, unless an upgrade is under
// way already (gunicorn's warnings, word for word) or the master stops.
func (svc *service) usr2(log *logging.ErrorLog) {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	switch {
	case svc.child != nil:
		log.Warnf("USR2 signal ignored. Child exists.")
		return
	case !svc.promoted:
		log.Warnf("USR2 signal ignored. Parent exists.")
		return
	case svc.stopping:
		log.Warnf("USR2 signal ignored: this master is stopping")
		return
	}
	c, err := upgrade.Start(svc.origin, upgrade.Options{Listeners: svc.lns, Env: svc.notifier.Env()})
	if err != nil {
		log.Errorf("USR2: the new master could not be started; this master serves on: %v", err)
		return
	}
	svc.child = c
	log.Infof("USR2: started a new master (pid %d) from %s; this master serves until its workers are ready", c.Pid, svc.origin.Path)
	go svc.awaitChild(log, c)
}

// awaitChild waits for the new master's word. Ready: systemd is told the
// new master is the main process, the socket files are left to it, and
// this master stops as at TERM. Dead first: this master serves on, and the
// next USR2 may try again.
func (svc *service) awaitChild(log *logging.ErrorLog, c *upgrade.Child) {
	err := <-c.Ready()
	svc.mu.Lock()
	defer svc.mu.Unlock()
	if err != nil {
		svc.child = nil
		log.Errorf("USR2 failed: the new master (pid %d) %v; this master serves on (the new master's lines above say why)", c.Pid, err)
		return
	}
	svc.handedOver = true
	svc.send(log, notify.MainPID(c.Pid), notify.Status(fmt.Sprintf("Upgraded: the new master (pid %d) serves", c.Pid)))
	for _, ln := range svc.lns {
		if k, ok := ln.(sockets.FileKeeper); ok {
			k.KeepFile()
		}
	}
	svc.stop <- fmt.Sprintf("The new master (pid %d) serves: this master stops accepting and finishes its requests, as at TERM", c.Pid)
}

// winch is the OnWINCH hook. gunicorn's upgrade is USR2, then WINCH to
// stop the old workers, then QUIT; here the old master stops by itself
// once the new one serves, so WINCH only says where the upgrade is. With
// no new master, gunicorn stops the workers of a daemonized master and
// leaves it serving nobody; gunicorn-go does not.
func (svc *service) winch(log *logging.ErrorLog) {
	svc.mu.Lock()
	defer svc.mu.Unlock()
	switch {
	case svc.handedOver:
		log.Infof("WINCH: the new master (pid %d) serves; this master is finishing its requests", svc.child.Pid)
	case svc.child != nil:
		log.Infof("WINCH: this master stops accepting once the new master (pid %d) is ready, which it is not yet", svc.child.Pid)
	case svc.daemon:
		log.Infof("SIGWINCH ignored: no new master serves (USR2 starts one), and stopping the workers would leave nothing to serve")
	default:
		log.Debugf("SIGWINCH ignored. Not daemonized")
	}
}
