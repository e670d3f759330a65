package command

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// startCPUProfile writes the process's CPU profile to path until stop is
// called: how bench/ finds where the master's time goes
// (GUNICORN_GO_CPUPROFILE=/tmp/cpu.pprof, then go tool pprof).
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// startAllocProfile samples every allocation from now on and writes them to
// path when stop is called: how bench/ finds what a request allocates
// (GUNICORN_GO_ALLOCPROFILE=/tmp/allocs.pprof, then go tool pprof
// -sample_index=alloc_space). Sampling every allocation slows the master:
// take its figures for what allocates, not for how fast.
func startAllocProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("alloc profile: %w", err)
	}
	runtime.MemProfileRate = 1
	return func() {
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			fmt.Fprintf(os.Stderr, "Error: alloc profile: %v\n", err)
		}
		f.Close()
	}, nil
}
