//go:build !unix

package sqlite_test

import (
	"testing"
	"time"
)

// cpuTime is 0 where the process's CPU time is not read (the benchmarks report wall time).
func cpuTime(testing.TB) time.Duration { return 0 }
