package pgtest_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/postgres/pgtest"
)

// helperEnv makes the test binary a process that starts a cluster, prints its server's PID
// and directory, and waits to be killed.
const helperEnv = "COVMON_PGTEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		c, err := pgtest.Start()
		if err != nil {
			fmt.Printf("error %v\n", strings.ReplaceAll(err.Error(), "\n", " "))
			os.Exit(1)
		}
		fmt.Printf("started %d %s\n", c.PID(), c.Dir())
		var b [1]byte
		os.Stdin.Read(b[:]) // until the parent kills this process (or closes stdin)
		c.Stop()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// alive reports whether process pid runs (a zombie does not).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z"
}

// TestCluster_DiesWithItsProcess: a test process killed with SIGKILL takes its cluster's
// server with it (at once, not at the next start), and the next Start (Sweep) removes the
// directory it left, but not the cluster of a process still running.
func TestCluster_DiesWithItsProcess(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	var pid int
	var dir string
	if _, err := fmt.Sscanf(line, "started %d %s", &pid, &dir); err != nil {
		if strings.Contains(line, "no PostgreSQL server binaries") && os.Getenv("CI") == "" {
			t.Skipf("SKIPPED: needs the PostgreSQL server (CI fails instead): %s", line)
		}
		t.Fatalf("helper said %q", line)
	}
	if !alive(pid) {
		t.Fatalf("server %d not running", pid)
	}
	// A cluster of a running process (this one) must survive the sweep.
	mine := filepath.Join(filepath.Dir(dir), "covmon-pgtest-sweeptest-"+strconv.Itoa(os.Getpid()))
	if err := os.MkdirAll(mine, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(mine)
	st, _ := os.ReadFile("/proc/self/stat")
	f := strings.Fields(string(st)[strings.LastIndexByte(string(st), ')')+1:])
	if err := os.WriteFile(filepath.Join(mine, "owner"), fmt.Appendf(nil, "%d %s\n", os.Getpid(), f[19]), 0o644); err != nil {
		t.Fatal(err)
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	deadline := time.Now().Add(time.Minute)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("server %d still running a minute after its test process was killed", pid)
		}
		time.Sleep(20 * time.Millisecond) // poll, bounded by the deadline
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the killed process's cluster directory: %v, want it left for the sweep", err)
	}
	removed, err := pgtest.Sweep()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("after the sweep (removed %v): %s still there (%v)", removed, dir, err)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Fatalf("the sweep removed the cluster of a running process: %v", err)
	}
}
