// Package promtest runs real processes — Prometheus, Alertmanager, covmon itself — for
// end-to-end tests: on loopback ports, with their output in a log file whose tail is shown
// when the test fails, and stopped (SIGTERM, then SIGKILL) when the test ends. It is imported
// by tests only.
package promtest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ReadyWithin bounds the wait for a process to answer its readiness URL: it returns as soon as
// the process does, so the bound costs nothing on a fast machine and keeps a loaded one (CI under
// -race, several test packages at once) from failing.
const ReadyWithin = 5 * time.Minute

// StopWithin is how long a process has to exit after SIGTERM before it is killed and the test
// fails (a process that ignores SIGTERM is a bug; a loaded machine may take seconds to flush).
const StopWithin = time.Minute

// FreeAddr returns a loopback address with a port that was free a moment ago. Another process
// may take it before the caller's process binds it: StartOn chooses the address and starts
// again on another when that happened.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Process is a started process.
type Process struct {
	Name string
	// Log is the file that receives the process's output (stderr, and stdout unless the
	// caller set cmd.Stdout or took a pipe).
	Log string
	// Exited is closed when the process has exited.
	Exited <-chan struct{}
}

// Start starts cmd with its output in a log file under tb's temporary directory and stops it at
// the end of the test: SIGTERM, then SIGKILL after 10 s (an error, as a process that ignores
// SIGTERM is a bug). On failure the log's tail goes to the test log.
func Start(tb testing.TB, name string, cmd *exec.Cmd) *Process {
	tb.Helper()
	p := &Process{Name: name, Log: filepath.Join(tb.TempDir(), name+".log")}
	logf, err := os.Create(p.Log)
	if err != nil {
		tb.Fatal(err)
	}
	if cmd.Stdout == nil && cmd.Process == nil {
		cmd.Stdout = logf
	}
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		tb.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan struct{})
	p.Exited = exited
	go func() {
		cmd.Wait()
		close(exited)
	}()
	tb.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(StopWithin):
				tb.Errorf("%s did not stop within %v of SIGTERM; killing it", name, StopWithin)
				cmd.Process.Kill()
				<-exited
			}
		}
		logf.Close()
		if tb.Failed() {
			tb.Logf("%s log (tail):\n%s", name, Tail(p.Log))
		}
	})
	return p
}

// WaitReady waits until GET url answers 200, failing the test if the process exits first or
// the timeout passes.
func (p *Process) WaitReady(tb testing.TB, url string, timeout time.Duration) {
	tb.Helper()
	if err := p.waitReady(url, timeout); err != nil {
		tb.Fatal(err)
	}
}

// errExited is waitReady's error for a process that exited before it was ready.
var errExited = errors.New("exited before it was ready")

func (p *Process) waitReady(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select { // an exited process's port may be another's: ask only a running one
		case <-p.Exited:
			return fmt.Errorf("%s %w:\n%s", p.Name, errExited, Tail(p.Log))
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.Exited:
			return fmt.Errorf("%s %w:\n%s", p.Name, errExited, Tail(p.Log))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready within %v:\n%s", p.Name, timeout, Tail(p.Log))
		}
	}
}

// StartOn starts the process cmdAt makes for a free loopback address (host:port) and waits
// until GET http://addr+readyPath answers 200 (within ReadyWithin); it returns the process and
// its address. The port was free when chosen (FreeAddr), but another process (a parallel test
// package's server, a client's ephemeral port) may take it before this one binds it: when the
// process exits before it is ready saying "address already in use", it is started again on
// another address, up to five times.
func StartOn(tb testing.TB, name string, cmdAt func(addr string) *exec.Cmd, readyPath string) (*Process, string) {
	tb.Helper()
	for try := 1; ; try++ {
		addr := FreeAddr(tb)
		p := Start(tb, name, cmdAt(addr))
		err := p.waitReady("http://"+addr+readyPath, ReadyWithin)
		if err == nil {
			return p, addr
		}
		if try == 5 || !errors.Is(err, errExited) || !strings.Contains(Tail(p.Log), "address already in use") {
			tb.Fatal(err)
		}
		tb.Logf("%s: %s was taken before it bound it; starting it on another port", name, addr)
	}
}

// Tail returns the last 4000 bytes of the file at path.
func Tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// StartPrometheus runs the Prometheus binary bin on a free loopback port, scraping the covmon at
// target (host:port, job "covmon") and evaluating the rules file every second, with its
// storage under dir, and returns its base URL once it is ready.
func StartPrometheus(tb testing.TB, bin, dir, rules, target string) string {
	tb.Helper()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - %q
scrape_configs:
  - job_name: covmon
    static_configs:
      - targets: [%q]
`, rules, target)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		tb.Fatal(err)
	}
	_, addr := StartOn(tb, "prometheus", func(addr string) *exec.Cmd {
		cmd := exec.Command(bin, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "prom"),
			"--web.listen-address="+addr, "--log.level=warn")
		cmd.Dir = dir
		return cmd
	}, "/-/ready")
	return "http://" + addr
}
