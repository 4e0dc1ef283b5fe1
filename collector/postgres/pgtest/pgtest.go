// Package pgtest runs a throwaway PostgreSQL + PostGIS cluster for tests: initdb in a
// temporary directory, a postgres server on a free loopback port, one fresh database per test
// (cloned from a template that has PostGIS), and everything stopped and removed at the end.
//
// It uses the server binaries of the machine: /usr/lib/postgresql/<version>/bin (Debian's
// postgresql and postgresql-15-postgis-3 packages) or PATH. When they are absent, tests skip
// with a loud message — except when the environment variable CI is set (.ci/run installs the
// packages), where they fail.
//
// initdb and postgres refuse to run as root. As root, pgtest runs them as the unprivileged
// user "postgres" (which Debian's packages create) — initdb through runuser, the server with
// that user's credentials — and gives that user the cluster's directory; as any other user it
// runs them directly.
//
// The cluster dies with the process that started it, even one killed with SIGKILL: the
// server (postgres itself, not pg_ctl, which would leave it to daemonise) is that process's
// child with a parent-death signal (SIGQUIT: immediate shutdown; Linux). Each cluster's
// directory names its owner (the file "owner": process ID and start time), and Start first
// removes the clusters of owners that are gone (Sweep), stopping a server still running there.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// then pgtest.NewDatabase(t) in a test returns the URL of an empty database of its own.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cluster is a running throwaway cluster.
type Cluster struct {
	dir  string // the data directory's parent (removed by Stop)
	data string
	bin  string
	port int
	as   string // run the binaries as this user ("" for the current one)
	cred *syscall.Credential
	log  string

	proc   *os.Process   // the server
	exited chan struct{} // closed when the server has exited

	mu  sync.Mutex // serialises CREATE DATABASE … TEMPLATE
	seq atomic.Int64
}

var (
	shared     *Cluster
	startErr   error
	errNoFound = errors.New("no PostgreSQL server binaries (initdb, postgres) in /usr/lib/postgresql/*/bin or PATH")
)

// Main starts the shared cluster, runs the tests and stops it; it returns the exit code.
// A cluster that cannot start is reported by every test that asks for a database.
func Main(m *testing.M) int {
	shared, startErr = Start()
	if startErr != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", startErr)
	}
	code := m.Run()
	if shared != nil {
		if err := shared.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: stop: %v\n", err)
		}
	}
	return code
}

// NewDatabase returns the URL of a new, empty database with PostGIS on the shared cluster; it
// is dropped when the test ends. Without server binaries it skips t loudly (fails under CI).
func NewDatabase(t testing.TB) string {
	t.Helper()
	if shared == nil {
		err := startErr
		if err == nil {
			err = errors.New("pgtest.Main was not called from TestMain")
		}
		if errors.Is(err, errNoFound) && os.Getenv("CI") == "" {
			t.Skipf("SKIPPED: PostgreSQL tests need the server: %v — install postgresql and postgresql-15-postgis-3 (CI fails instead of skipping)", err)
		}
		t.Fatalf("PostgreSQL test cluster: %v", err)
	}
	return shared.NewDatabase(t)
}

// findBin returns the directory holding initdb and postgres: the newest
// /usr/lib/postgresql/<version>/bin, else the directory of initdb on PATH.
func findBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errNoFound
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode()&0o111 != 0
}

// base is the directory the clusters are made in: TMPDIR, or /tmp as root (reachable by the
// postgres user, unlike a TMPDIR under /root).
func base() string {
	if os.Geteuid() == 0 {
		return "/tmp"
	}
	return os.TempDir()
}

// Start creates and starts a cluster, after removing the clusters of owners that are gone.
func Start() (*Cluster, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	if _, err := Sweep(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: removing stale clusters: %v\n", err)
	}
	dir, err := os.MkdirTemp(base(), "covmon-pgtest-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, data: filepath.Join(dir, "data"), bin: bin, log: filepath.Join(dir, "server.log")}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(dir)
		}
	}()
	if err := writeOwner(dir); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		// initdb refuses root: the cluster belongs to the unprivileged postgres user.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, and there is no user postgres to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
		c.as = "postgres"
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	if out, err := c.run("initdb", "-D", c.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	// A free port: taken by the kernel, released, then given to the server. Another process
	// may grab it in between; retry a few times.
	var lastErr error
	for range 5 {
		if c.port, err = freePort(); err != nil {
			return nil, err
		}
		if lastErr = c.serve(); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		return nil, lastErr
	}
	ok = true
	if err := c.admin(context.Background(), `CREATE DATABASE covmon_template`); err != nil {
		c.Stop()
		return nil, err
	}
	conn, err := pgx.Connect(context.Background(), c.URL("covmon_template"))
	if err != nil {
		c.Stop()
		return nil, err
	}
	_, err = conn.Exec(context.Background(), `CREATE EXTENSION postgis`)
	conn.Close(context.Background())
	if err != nil {
		c.Stop()
		return nil, fmt.Errorf("create extension postgis (is postgresql-15-postgis-3 installed?): %w", err)
	}
	return c, nil
}

// serve starts the server on c.port as this process's child and waits until it accepts
// connections (at most a minute), or returns why it did not start.
func (c *Cluster) serve() error {
	logf, err := os.OpenFile(c.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	args := []string{"-D", c.data, "-p", strconv.Itoa(c.port), "-k", c.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=200"}
	started := make(chan error, 1)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		defer logf.Close()
		// The parent-death signal is sent when the thread that started the child ends: this
		// goroutine keeps its thread until the server has exited (then the thread ends with
		// it, its signal going to no one).
		runtime.LockOSThread()
		cmd := exec.Command(filepath.Join(c.bin, "postgres"), args...)
		cmd.Dir, cmd.Stdout, cmd.Stderr = c.dir, logf, logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGQUIT, Credential: c.cred}
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		c.proc = cmd.Process
		started <- nil
		cmd.Wait()
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		if err == nil {
			// The server answering may be another test package's cluster that took the port
			// first (ours then exits, unable to bind it): only ours has our data directory.
			var dataDir string
			err = conn.QueryRow(ctx, `SELECT current_setting('data_directory')`).Scan(&dataDir)
			conn.Close(context.Background())
			if err == nil && dataDir != c.data {
				cancel()
				c.proc.Signal(syscall.SIGQUIT) // ours, if it still runs
				<-exited
				return fmt.Errorf("port %d answers for another cluster (%s)", c.port, dataDir)
			}
		}
		cancel()
		if err == nil {
			c.exited = exited
			return nil
		}
		select {
		case <-exited:
			logText, _ := os.ReadFile(c.log)
			return fmt.Errorf("postgres exited before accepting connections:\n%s", logText)
		case <-time.After(50 * time.Millisecond): // poll, bounded by deadline
		}
		if time.Now().After(deadline) {
			c.proc.Signal(syscall.SIGQUIT)
			<-exited
			logText, _ := os.ReadFile(c.log)
			return fmt.Errorf("postgres did not accept connections within a minute: %v\n%s", err, logText)
		}
	}
}

// PID returns the process ID of the cluster's server (the postmaster).
func (c *Cluster) PID() int { return c.proc.Pid }

// Dir returns the cluster's directory (removed by Stop).
func (c *Cluster) Dir() string { return c.dir }

// run runs one of the cluster's binaries (as c.as when set).
func (c *Cluster) run(name string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.as != "" {
		cmd = exec.Command("runuser", append([]string{"-u", c.as, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = c.dir
	return cmd.CombinedOutput()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// URL returns the URL of database name on the cluster.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

func (c *Cluster) admin(ctx context.Context, q string) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, q); err != nil {
		return fmt.Errorf("%s: %w", q, err)
	}
	return nil
}

// NewDatabase creates a database with PostGIS and returns its URL; it is dropped when t ends.
func (c *Cluster) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%s", c.seq.Add(1), sanitize(t.Name()))
	c.mu.Lock()
	err := c.admin(context.Background(), `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+` TEMPLATE covmon_template STRATEGY FILE_COPY`)
	c.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.admin(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return c.URL(name)
}

func sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.ToLower(s)
}

// Stop stops the server (immediate shutdown: the data is thrown away) and removes the
// cluster's directory.
func (c *Cluster) Stop() error {
	var err error
	if c.proc != nil {
		c.proc.Signal(syscall.SIGQUIT)
		select {
		case <-c.exited:
		case <-time.After(30 * time.Second):
			c.proc.Kill()
			<-c.exited
			err = errors.New("postgres did not stop within 30 s of SIGQUIT: killed")
		}
	}
	if rmErr := os.RemoveAll(c.dir); err == nil && rmErr != nil {
		err = rmErr
	}
	return err
}

// writeOwner records in dir the process that owns the cluster: its ID and start time (so a
// later process reusing the ID is not taken for it).
func writeOwner(dir string) error {
	pid := os.Getpid()
	start, ok := processStart(pid)
	if !ok {
		return fmt.Errorf("read the start time of process %d", pid)
	}
	return os.WriteFile(filepath.Join(dir, "owner"), fmt.Appendf(nil, "%d %s\n", pid, start), 0o644)
}

// processStart returns the start time of process pid (field 22 of /proc/<pid>/stat, in clock
// ticks since boot); false when there is no such process or it is a zombie.
func processStart(pid int) (string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces and parentheses
	if i < 0 {
		return "", false
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state), f[19] field 22 (start time)
	if len(f) < 20 || f[0] == "Z" {
		return "", false
	}
	return f[19], true
}

// Sweep removes the clusters whose owner is gone (a test process killed before it could stop
// its cluster), first stopping a server still running in one. A cluster without an owner file
// (being created, or made by an older pgtest) and one whose owner runs are left alone. It
// returns the directories removed.
func Sweep() ([]string, error) {
	dirs, err := filepath.Glob(filepath.Join(base(), "covmon-pgtest-*"))
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner"))
		if err != nil {
			continue
		}
		var pid int
		var start string
		if _, err := fmt.Sscanf(string(b), "%d %s", &pid, &start); err != nil {
			continue
		}
		if now, alive := processStart(pid); alive && now == start {
			continue
		}
		if err := stopStale(filepath.Join(dir, "data")); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", dir, err))
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, dir)
	}
	return removed, errors.Join(errs...)
}

// stopStale stops the server of data directory data if one still runs there (the process
// named by postmaster.pid, when its command line names data): SIGQUIT, then SIGKILL after
// 10 s, waiting until it is gone.
func stopStale(data string) error {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return nil // no server
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil || pid <= 0 {
		return nil
	}
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || !strings.Contains(string(cmdline), data) {
		return nil // gone, or the ID now belongs to another process
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return nil
	}
	p.Signal(syscall.SIGQUIT)
	deadline, killed := time.Now().Add(10*time.Second), false
	for {
		if _, alive := processStart(pid); !alive {
			return nil
		}
		if time.Now().After(deadline) {
			if killed {
				return fmt.Errorf("server %d still running 10 s after SIGKILL", pid)
			}
			p.Signal(syscall.SIGKILL)
			deadline, killed = time.Now().Add(10*time.Second), true
		}
		time.Sleep(20 * time.Millisecond) // poll, bounded
	}
}
