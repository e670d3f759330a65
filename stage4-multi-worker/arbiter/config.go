package arbiter

import (
	"context"
	"net"
	"time"

	"gunicorn-go/stage2-single-worker/lifecycle"
	"gunicorn-go/stage2-single-worker/logging"
)

// Config is everything the arbiter needs: stage 2's server settings, plus
// the workers'.
type Config struct {
	lifecycle.Config

	// Workers is how many worker processes run the app (gunicorn's
	// workers); 1 when zero.
	Workers int
	// WorkerTimeout is how long a request may run in a worker, and an idle
	// worker may take to answer a ping, before the worker is taken for
	// stuck (gunicorn's timeout); 0 turns the check off.
	WorkerTimeout time.Duration
	// MaxRequests is how many requests a worker serves before it is
	// replaced (gunicorn's max_requests); 0 never. MaxRequestsJitter adds
	// up to that many more, chosen at random per worker, so that workers
	// started together do not all restart together.
	MaxRequests, MaxRequestsJitter int
	// WorkerConnections bounds the client connections per worker
	// (gunicorn's worker_connections): the master holds at most Workers ×
	// WorkerConnections at once. 1000 when zero.
	WorkerConnections int
	// ProcName names the workers in ps: "gunicorn-go: worker [ProcName]";
	// the app's spec when empty.
	ProcName string

	// Reload re-reads the settings, for HUP: the config file, the
	// environment and the original command line. Nil: HUP restarts the
	// workers with the settings they had. warnings are logged.
	Reload func() (cfg Config, warnings []string, err error)

	// Hooks for a later stage: each is optional, and nil keeps what stage 4
	// does. Stage 5 listens on every form of bind, with TLS, and drops
	// root's privileges through them. log is the master's error log.

	// Listen opens the listeners, once the master has its logs and has
	// changed to Chdir; ctx ends when a stop signal comes meanwhile (while
	// a bind in use is retried, say). An error, one line naming the bind or
	// setting, ends the master with exit code 1. A listener wrapped in a
	// server.TLSListener speaks TLS. Nil: the TCP addresses of Bind, as
	// lifecycle.ListenAll opens them.
	Listen func(ctx context.Context, log *logging.ErrorLog) ([]net.Listener, error)
	// Bound runs once the master listens and has said so, before the
	// server is built and any worker starts. An error ends the master with
	// exit code 1, the listeners closed. Nil: nothing.
	Bound func(log *logging.ErrorLog) error
	// OnHUP runs at every HUP, before the settings are read again. Nil:
	// nothing. Reload's Config must carry the hooks on.
	OnHUP func(log *logging.ErrorLog)

	// Stage 6 runs the master under a service manager, and upgrades it in
	// place, through these.

	// Ready runs in the loop when the master serves with the workers it was
	// asked for: once after the start, when every first worker has loaded
	// the app, and once after each HUP, when the new workers serve or the
	// reload has failed and the previous ones serve on. workers is how many
	// serve (0 for a Go app, which runs in the master). Nil: nothing.
	Ready func(log *logging.ErrorLog, workers int)
	// Stopping runs once, in the loop, when the master begins to stop
	// (TERM, INT, QUIT, a Stop, or a fatal error). Nil: nothing.
	Stopping func(log *logging.ErrorLog)
	// OnUSR2 runs at USR2, in the loop. Nil: USR2 is logged and ignored.
	OnUSR2 func(log *logging.ErrorLog)
	// OnWINCH runs at WINCH, in the loop. Nil: WINCH is ignored, as
	// gunicorn ignores it when not daemonized.
	OnWINCH func(log *logging.ErrorLog)
	// Alive runs in the loop every AliveEvery, between the loop's other
	// work: stage 6's ping of systemd's watchdog, which only a loop that
	// still turns may send (a goroutine of its own would ping on while the
	// loop is stuck in a handler). Nil, or AliveEvery 0: nothing.
	Alive      func(log *logging.ErrorLog)
	AliveEvery time.Duration
	// Stop, when not nil, stops the master gracefully, as TERM does, when
	// it receives a reason, which is logged: stage 6's old master once the
	// new one it started serves. A Stop during start-up waits for the loop.
	Stop <-chan string
}

// notifyReady runs the Ready hook when it is due (see Config.Ready): after
// the start or a HUP (a.readyDue), once no reload is in progress and the
// current generation has its workers.
func (a *arbiter) notifyReady() {
	if !a.readyDue || a.oldGen >= 0 || a.stopping != "" {
		return
	}
	n := 0
	for w := range a.workers {
		if w.gen == a.gen && w.state == serving {
			n++
		}
	}
	if n < a.target {
		return
	}
	a.readyDue = false
	if a.cfg.Ready != nil {
		a.cfg.Ready(a.elog, n)
	}
}

func (c *Config) workers() int {
	if c.Workers > 0 {
		return c.Workers
	}
	return 1
}

func (c *Config) gracefulTimeout() time.Duration {
	if c.GracefulTimeout > 0 {
		return c.GracefulTimeout
	}
	return lifecycle.DefaultGracefulTimeout
}

func (c *Config) workerConnections() int {
	if c.WorkerConnections > 0 {
		return c.WorkerConnections
	}
	return 1000
}

func (c *Config) procName() string {
	if c.ProcName != "" {
		return c.ProcName
	}
	return c.App
}
