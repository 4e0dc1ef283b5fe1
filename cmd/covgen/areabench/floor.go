package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"syscall"
	"time"

	_ "modernc.org/sqlite" // the driver covmon's store uses

	"github.com/covmon/covmon/geo/format"
)

// floor times a plain prepared INSERT of every observation of obsPath into the database at
// dbPath, in one transaction, and prints it.
func floor(dbPath, obsPath string) error {
	f, err := os.Open(obsPath)
	if err != nil {
		return err
	}
	obs, err := format.DecodeObservations(f, format.Options{File: obsPath})
	f.Close()
	if err != nil {
		return err
	}
	// The pragmas of covmon's writer connection (collector/sqlite).
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-65536)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	res, err := db.ExecContext(ctx, `INSERT INTO uploads (kind, carrier, file_name, sha256, received_at, result)
		VALUES ('observations', 'floor', 'floor', 'floor', 0, 'rejected')`)
	if err != nil {
		return err
	}
	uploadID, err := res.LastInsertId()
	if err != nil {
		return err
	}
	t0, cpu0 := time.Now(), cpuTime()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO observations
		(village_id, carrier, technology, has_signal, rsrp_dbm, dl_mbps, observed_at, method, area_share, upload_id,
		 source_role, inspector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'carrier', '')`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	opt := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	for i := range obs {
		o := &obs[i]
		if _, err := stmt.ExecContext(ctx, o.VillageID, o.Carrier, int64(o.Technology), o.HasSignal,
			opt(o.RSRPdBm), opt(o.DLMbps), o.ObservedAt.UnixMilli(), o.Method, opt(o.AreaShare), uploadID); err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	fmt.Printf("bench: what=observations-floor rows=%d s=%.2f cpu_s=%.2f\n", len(obs), time.Since(t0).Seconds(), (cpuTime() - cpu0).Seconds())
	return nil
}

// cpuTime is the CPU time (user + system) this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
