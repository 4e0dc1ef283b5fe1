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
// user "postgres" (which Debian's packages create) through runuser, and gives that user the
// cluster's directory; as any other user it runs them directly.
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
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	log  string

	mu  sync.Mutex // serialises CREATE DATABASE … TEMPLATE
	seq atomic.Int64
}

var (
	shared     *Cluster
	startErr   error
	errNoFound = errors.New("no PostgreSQL server binaries (initdb, pg_ctl, postgres) in /usr/lib/postgresql/*/bin or PATH")
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

// findBin returns the directory holding initdb, pg_ctl and postgres: the newest
// /usr/lib/postgresql/<version>/bin, else the directory of initdb on PATH.
func findBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "pg_ctl")) {
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

// Start creates and starts a cluster.
func Start() (*Cluster, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	base := "" // TMPDIR
	if os.Geteuid() == 0 {
		base = "/tmp" // reachable by the postgres user, unlike a TMPDIR under /root
	}
	dir, err := os.MkdirTemp(base, "covmon-pgtest-")
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
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
			c.port, c.dir)
		out, err := c.run("pg_ctl", "-D", c.data, "-l", c.log, "-o", opts, "-w", "-t", "60", "start")
		if err == nil {
			lastErr = nil
			break
		}
		logText, _ := os.ReadFile(c.log)
		lastErr = fmt.Errorf("pg_ctl start: %v\n%s\n%s", err, out, logText)
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
	out, err := c.run("pg_ctl", "-D", c.data, "-m", "immediate", "-w", "stop")
	if rmErr := os.RemoveAll(c.dir); err == nil && rmErr != nil {
		err = rmErr
	}
	if err != nil {
		return fmt.Errorf("%v\n%s", err, out)
	}
	return nil
}
