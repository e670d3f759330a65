package command

import (
	"fmt"
	"os"
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
