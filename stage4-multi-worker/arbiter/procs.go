package arbiter

import (
	"os"
	"runtime"
)

// shareCPUs gives the master's Go code half the CPUs it would otherwise
// run on (GOMAXPROCS: the CPUs, or a container's quota), at least one, and
// returns that number. It is for a master serving Python workers, unless
// the operator set GOMAXPROCS, whose word stands.
//
// Why: the workers need the CPUs too. Given every CPU, the Go runtime
// keeps threads awake looking for work between requests and wakes them
// with a futex per hand-off, which on a machine the runners keep busy
// only takes CPU from them: on 2 CPUs, one for the master cut its CPU per
// request by 20–35% and raised throughput by 7–43% (hello and Django,
// `-w 2`, 3 interleaved rounds each: bench/README.md). Half is room enough:
// the master's CPU per request is at most about a runner's (hello), a
// third of the whole for a real app (Django), so with a worker per CPU it
// needs about half of them at most. A Go app (go:NAME) runs in the master
// and keeps every CPU.
func shareCPUs() int {
	if os.Getenv("GOMAXPROCS") != "" {
		return runtime.GOMAXPROCS(0)
	}
	n := max(1, runtime.GOMAXPROCS(0)/2)
	runtime.GOMAXPROCS(n)
	return n
}
