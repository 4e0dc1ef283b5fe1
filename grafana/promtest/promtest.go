// Package promtest runs real processes — Prometheus, Alertmanager, covmon itself — for
// end-to-end tests: on loopback ports, with their output in a log file whose tail is shown
// when the test fails, and stopped (SIGTERM, then SIGKILL) when the test ends. It is imported
// by tests only.
package promtest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// FreeAddr returns a loopback address with a port that was free a moment ago.
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
			case <-time.After(10 * time.Second):
				tb.Errorf("%s did not stop within 10s of SIGTERM; killing it", name)
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
	deadline := time.Now().Add(timeout)
	for {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.Exited:
			tb.Fatalf("%s exited before it was ready:\n%s", p.Name, Tail(p.Log))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s not ready within %v:\n%s", p.Name, timeout, Tail(p.Log))
		}
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
	addr := FreeAddr(tb)
	cmd := exec.Command(bin, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "prom"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Dir = dir
	base := "http://" + addr
	Start(tb, "prometheus", cmd).WaitReady(tb, base+"/-/ready", 30*time.Second)
	return base
}
