package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNotLeader is IsLeader's answer when another instance leads.
var ErrNotLeader = errors.New("not the leader: another covmon instance holds the lock")

// Elector elects one leader among the covmon instances sharing a database, with a PostgreSQL
// session advisory lock held on a connection of its own: the instance holding it leads. It
// implements gocron's Elector (IsLeader), so a scheduler runs its jobs on the leader only, and
// alerts.Elector.
//
// When the leader stops (Close), dies or loses the database, its session ends and PostgreSQL
// releases the lock; the next IsLeader of another instance takes it. A killed process's
// connection is closed by its kernel at once; a machine that vanishes from the network is
// detected by TCP keepalives (idle 10 s, then 3 probes 5 s apart: about 25 s), which the
// elector's connection asks the server for. The leader checks its connection on every
// IsLeader and stops leading as soon as it fails.
type Elector struct {
	url string
	key int64

	mu     sync.Mutex
	conn   *pgx.Conn
	leader bool
}

// NewElector returns an elector for the database at url; name tells elections apart (one per
// purpose, e.g. "covmon-jobs").
func NewElector(url, name string) *Elector {
	h := fnv.New64a()
	h.Write([]byte("covmon elector " + name))
	return &Elector{url: url, key: int64(h.Sum64() >> 1)}
}

// IsLeader returns nil when this instance leads (taking the lead when it is free), ErrNotLeader
// when another does, or the error that kept it from asking.
func (e *Elector) IsLeader(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if e.conn != nil && e.conn.IsClosed() {
		e.drop()
	}
	if e.conn == nil {
		cfg, err := pgx.ParseConfig(e.url)
		if err != nil {
			return fmt.Errorf("elector: %w", err)
		}
		cfg.RuntimeParams["application_name"] = "covmon elector"
		cfg.RuntimeParams["tcp_keepalives_idle"] = "10"
		cfg.RuntimeParams["tcp_keepalives_interval"] = "5"
		cfg.RuntimeParams["tcp_keepalives_count"] = "3"
		if e.conn, err = pgx.ConnectConfig(ctx, cfg); err != nil {
			e.conn = nil
			return fmt.Errorf("elector: %w", err)
		}
	}
	if e.leader {
		// Still leading while the session lives.
		if _, err := e.conn.Exec(ctx, `SELECT 1`); err != nil {
			e.drop()
			return fmt.Errorf("elector: lost the database: %w", err)
		}
		return nil
	}
	var got bool
	if err := e.conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, e.key).Scan(&got); err != nil {
		e.drop()
		return fmt.Errorf("elector: %w", err)
	}
	if !got {
		return ErrNotLeader
	}
	e.leader = true
	return nil
}

// Leading reports whether this instance led at its last IsLeader (no database call: for a
// metric).
func (e *Elector) Leading() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.leader
}

// drop forgets the connection (and the lead it held), unlocking first when it can so that
// another instance may lead at once (the server would release the lock anyway when it sees
// the session end, a moment later).
func (e *Elector) drop() {
	if e.conn != nil {
		if e.leader && !e.conn.IsClosed() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			e.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, e.key)
			cancel()
		}
		e.conn.Close(context.Background())
	}
	e.conn, e.leader = nil, false
}

// Close gives up the lead (ending the session releases the lock at once) and closes the
// connection.
func (e *Elector) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.drop()
	return nil
}
