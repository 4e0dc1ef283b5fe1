package collector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/wire"
)

// Inbox is a drop folder, the way carriers are used to delivering files over SFTP:
//
//	DIR/<carrier>/*.geojson        observation files of that carrier (observations/v1)
//	DIR/<carrier>/areas/*.geojson  coverage-area files of that carrier (areas/v1)
//	DIR/registry/*.geojson         village registry files (villages/v1)
//
// After ingest a file moves to processed/ or rejected/ in its folder, with a JSON report next
// to it. Files whose names start with "." or end in .tmp or .part, and files modified within
// the last Settle, are left alone (they may still be being written). Only regular files are
// read: symbolic links and sub-folders are ignored, and folders that are not a configured
// carrier or "registry" are skipped with a log line.
type Inbox struct {
	Dir string
	// Settle is how long a file must be unmodified before it is taken (default 30 s).
	Settle time.Duration
}

// RegistryFolder is the inbox folder for village registry files.
const RegistryFolder = "registry"

// AreasFolder is the sub-folder of a carrier's inbox folder for coverage-area files.
const AreasFolder = "areas"

// ScanInbox ingests every settled file in the drop folder. It returns the first error that is
// not about a file's content (a bad file is moved to rejected/, not an error).
func (r *Runner) ScanInbox(ctx context.Context) error {
	if r.Inbox.Dir == "" {
		return nil
	}
	dirs, err := os.ReadDir(r.Inbox.Dir)
	if err != nil {
		return fmt.Errorf("read inbox: %w", err)
	}
	var firstErr error
	for _, d := range dirs {
		if !d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			continue
		}
		kind, carrier := geo.KindObservations, d.Name()
		if d.Name() == RegistryFolder {
			kind, carrier = geo.KindVillages, ""
		} else if !slices.Contains(r.Ingester.carriers(), carrier) {
			r.logger().Warn("inbox: skipping folder that is not a configured carrier", "folder", d.Name())
			continue
		}
		if err := r.scanFolder(ctx, filepath.Join(r.Inbox.Dir, d.Name()), kind, carrier); err != nil && firstErr == nil {
			firstErr = err
		}
		if kind != geo.KindObservations {
			continue
		}
		areas := filepath.Join(r.Inbox.Dir, d.Name(), AreasFolder)
		if fi, err := os.Lstat(areas); err != nil || !fi.IsDir() {
			continue // no areas folder (a symbolic link is not followed)
		}
		if err := r.scanFolder(ctx, areas, geo.KindAreas, carrier); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

func (r *Runner) scanFolder(ctx context.Context, dir string, kind geo.UploadKind, carrier string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read inbox folder: %w", err)
	}
	var firstErr error
	settle := r.Inbox.Settle
	if settle <= 0 {
		settle = 30 * time.Second
	}
	for _, e := range entries {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".part") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if r.now().Sub(info.ModTime()) < settle {
			continue
		}
		if err := r.ingestInboxFile(ctx, dir, name, kind, carrier); err != nil {
			// Go on with the folder's other files; the failing one stays and is retried.
			r.logger().Error("inbox file not ingested", "file", filepath.Join(dir, name), "err", err)
			if firstErr == nil {
				firstErr = logged(err)
			}
		}
	}
	return firstErr
}

func (r *Runner) ingestInboxFile(ctx context.Context, dir, name string, kind geo.UploadKind, carrier string) error {
	path := filepath.Join(dir, name)
	// No symbolic links, and no blocking open (a FIFO swapped in after the listing).
	f, err := os.OpenFile(path, os.O_RDONLY|syscallNoFollow|syscallNonBlock, 0)
	if err != nil {
		return fmt.Errorf("open inbox file %s: %w", path, err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return fmt.Errorf("inbox file %s: not a regular file", path)
	}
	u, err := r.Ingest(ctx, File{Name: name, Kind: kind, Carrier: carrier, Source: "inbox"}, f)
	f.Close()
	if err != nil {
		return fmt.Errorf("ingest inbox file %s: %w", path, err)
	}
	sub := "processed"
	if u.Result == geo.ResultRejected {
		sub = "rejected"
	}
	r.logger().Info("inbox file ingested", "file", path, "result", u.Result, "upload", u.ID, "problems", len(u.Problems))
	dst := filepath.Join(dir, sub)
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	stamp := r.now().UTC().Format("20060102T150405Z")
	base := stamp + "-" + name
	if err := os.Rename(path, filepath.Join(dst, base)); err != nil {
		return fmt.Errorf("inbox: move %s: %w", path, err)
	}
	report, _ := json.MarshalIndent(wire.NewUpload(u), "", "  ")
	if err := os.WriteFile(filepath.Join(dst, base+".report.json"), append(report, '\n'), 0o644); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("inbox: write report: %w", err)
	}
	return nil
}
