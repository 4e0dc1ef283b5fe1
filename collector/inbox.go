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
	"github.com/covmon/covmon/geo/wire"
)

// Inbox is a drop folder, the way carriers are used to delivering files over SFTP:
//
//	DIR/<carrier>/*.geojson        observation files of that carrier (observations/v1)
//	DIR/<carrier>/areas/*.geojson  coverage-area files of that carrier (areas/v1)
//	DIR/registry/*.geojson         village registry files (villages/v1)
//	DIR/inspector/*.geojson        independent measurements of any carrier (observations/v1)
//
// After ingest a file moves to processed/ or rejected/ in its folder, with a JSON report next
// to it. Files whose names start with "." or end in .tmp or .part, and files modified within
// the last Settle, are left alone (they may still be being written). Folders that are not a
// configured carrier, "registry" or "inspector" are skipped with a log line.
//
// A carrier controls what is inside its own folder, so covmon never follows a symbolic link
// there: each folder is opened as an os.Root (nothing resolved through it can leave it), a
// link found where a file, areas/, processed/ or rejected/ should be is refused, and a file
// is moved with renameat(2) between directory handles checked to be the real folders. A
// carrier can therefore neither make covmon read or write outside its folder nor have a file
// stored as another carrier's (a link "rejected -> ../mobifone" is refused, not followed).
// covmon creates the inbox, every configured carrier's folder, its areas/ and registry/ with
// mode 0750 (FolderMode), and reports with mode 0640; it never changes the mode of a folder
// that exists (an operator may give a carrier's SFTP account write access to its folder) but
// warns about one that anyone may write.
type Inbox struct {
	Dir string
	// Settle is how long a file must be unmodified before it is taken (default 30 s).
	Settle time.Duration
	// MaxBytes caps a file (default DefaultInboxMaxBytes); a larger one moves to rejected/
	// with a report saying so, and nothing is recorded.
	MaxBytes int64
}

// DefaultInboxMaxBytes is the drop folder's file size limit, as the API's uncompressed one.
const DefaultInboxMaxBytes = 512 << 20

// RegistryFolder is the inbox folder for village registry files.
const RegistryFolder = "registry"

// InspectorFolder is the inbox folder for independent measurements (observations/v1 of any
// carrier, read as an inspector's token's files are: a file declaring "source_role":
// "carrier" is rejected). Its uploads are recorded with the source InspectorSource. It has no
// sub-folders to scan: inspectors never send the registry, areas, assignments or plans.
const InspectorFolder = "inspector"

// InspectorSource is the upload source of a file from the inspector folder (the uploader is
// "the drop folder's inspector", not a token).
const InspectorSource = "inbox-inspector"

// AreasFolder is the sub-folder of a carrier's inbox folder for coverage-area files.
const AreasFolder = "areas"

// PlansFolder is the sub-folder of a carrier's inbox folder for plans files (the carrier's
// plans and build progress).
const PlansFolder = "plans"

// AssignmentsFolder is the sub-folder of the registry folder (the ministry's area) for
// assignments files (responsible carriers).
const AssignmentsFolder = "assignments"

// FolderMode is the mode covmon creates drop-folder directories with (before the umask), and
// ReportMode the mode of the reports it writes there.
const (
	FolderMode fs.FileMode = 0o750
	ReportMode fs.FileMode = 0o640
)

// ErrLink is returned for a symbolic link (or a folder swapped while it was opened) where the
// drop folder expects a plain file or folder.
var ErrLink = errors.New("symbolic link refused")

// ScanInbox ingests every settled file in the drop folder. It returns the first error that is
// not about a file's content (a bad file is moved to rejected/, not an error).
func (r *Runner) ScanInbox(ctx context.Context) error {
	if r.Inbox.Dir == "" || r.stopping() {
		return nil
	}
	top, err := r.openInbox()
	if err != nil {
		return err
	}
	defer top.root.Close()
	names, err := top.list()
	if err != nil {
		return err
	}
	var firstErr error
	keep := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	for _, d := range names {
		if strings.HasPrefix(d.Name(), ".") {
			continue
		}
		kind, carrier, inspector := geo.KindObservations, d.Name(), false
		if d.Name() == RegistryFolder {
			kind, carrier = geo.KindVillages, ""
		} else if d.Name() == InspectorFolder {
			// Before the carriers: a configuration naming a carrier "inspector" is refused
			// (cmd/covmon), and a library user's would not make this folder a carrier's.
			carrier, inspector = "", true
		} else if !slices.Contains(r.Ingester.carriers(), carrier) {
			if d.IsDir() || d.Type()&fs.ModeSymlink != 0 {
				r.logger().Warn("inbox: skipping folder that is not a configured carrier", "folder", d.Name())
			}
			continue
		}
		dir, err := top.sub(d.Name())
		if err != nil {
			r.logger().Error("inbox: folder refused", "folder", top.join(d.Name()), "err", err)
			keep(logged(fmt.Errorf("inbox: %w", err)))
			continue
		}
		keep(r.scanFolder(ctx, dir, kind, carrier, inspector))
		if inspector {
			dir.root.Close()
			continue
		}
		if kind == geo.KindVillages {
			if as, err := dir.sub(AssignmentsFolder); errors.Is(err, fs.ErrNotExist) {
				// no assignments folder
			} else if err != nil {
				r.logger().Error("inbox: folder refused", "folder", dir.join(AssignmentsFolder), "err", err)
				keep(logged(fmt.Errorf("inbox: %w", err)))
			} else {
				keep(r.scanFolder(ctx, as, geo.KindAssignments, "", false))
				as.root.Close()
			}
		}
		if kind == geo.KindObservations {
			if areas, err := dir.sub(AreasFolder); errors.Is(err, fs.ErrNotExist) {
				// no areas folder
			} else if err != nil {
				r.logger().Error("inbox: folder refused", "folder", dir.join(AreasFolder), "err", err)
				keep(logged(fmt.Errorf("inbox: %w", err)))
			} else {
				keep(r.scanFolder(ctx, areas, geo.KindAreas, carrier, false))
				areas.root.Close()
			}
			if plans, err := dir.sub(PlansFolder); errors.Is(err, fs.ErrNotExist) {
				// no plans folder
			} else if err != nil {
				r.logger().Error("inbox: folder refused", "folder", dir.join(PlansFolder), "err", err)
				keep(logged(fmt.Errorf("inbox: %w", err)))
			} else {
				keep(r.scanFolder(ctx, plans, geo.KindPlans, carrier, false))
				plans.root.Close()
			}
		}
		dir.root.Close()
	}
	return firstErr
}

// openInbox opens the drop folder, creating it and every configured carrier's folders
// (FolderMode) when missing.
func (r *Runner) openInbox() (*folder, error) {
	if err := os.MkdirAll(r.Inbox.Dir, FolderMode); err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	root, err := os.OpenRoot(r.Inbox.Dir)
	if err != nil {
		return nil, fmt.Errorf("inbox: %w", err)
	}
	top := &folder{root: root, path: r.Inbox.Dir}
	for _, name := range append([]string{RegistryFolder, InspectorFolder}, r.Ingester.carriers()...) {
		if err := top.mkdir(name); err != nil {
			r.logger().Error("inbox: cannot create folder", "folder", top.join(name), "err", err)
			continue
		}
		if name == InspectorFolder {
			continue // no sub-folders: observations only
		}
		subs := []string{AreasFolder, PlansFolder}
		if name == RegistryFolder {
			subs = []string{AssignmentsFolder}
		}
		if c, err := top.sub(name); err == nil {
			for _, sub := range subs {
				if err := c.mkdir(sub); err != nil {
					r.logger().Error("inbox: cannot create folder", "folder", c.join(sub), "err", err)
				}
			}
			c.root.Close()
		}
	}
	if fi, err := root.Stat("."); err == nil && fi.Mode().Perm()&0o002 != 0 {
		r.logger().Warn("inbox: the drop folder is writable by every user; make it 0750", "folder", r.Inbox.Dir, "mode", fi.Mode().Perm().String())
	}
	return top, nil
}

// folder is a directory of the drop folder, opened so that nothing resolved through it leaves
// it; path is for messages only.
type folder struct {
	root *os.Root
	path string
}

func (f *folder) join(name string) string { return filepath.Join(f.path, name) }

func (f *folder) list() ([]fs.DirEntry, error) {
	d, err := f.root.Open(".")
	if err != nil {
		return nil, fmt.Errorf("read inbox folder %s: %w", f.path, err)
	}
	defer d.Close()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("read inbox folder %s: %w", f.path, err)
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, nil
}

// mkdir creates the sub-folder name with FolderMode unless something exists under that name.
func (f *folder) mkdir(name string) error {
	if err := f.root.Mkdir(name, FolderMode); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

// sub opens the sub-folder name, refusing a symbolic link: the entry must be a directory
// itself, and the directory opened must be that same directory (not one swapped in
// meanwhile). An error wraps fs.ErrNotExist when there is no such entry.
func (f *folder) sub(name string) (*folder, error) {
	path := f.join(name)
	fi, err := f.root.Lstat(name)
	switch {
	case err != nil:
		return nil, err
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("%s: %w", path, ErrLink)
	case !fi.IsDir():
		return nil, fmt.Errorf("%s: not a folder", path)
	}
	root, err := f.root.OpenRoot(name)
	if err != nil {
		return nil, err
	}
	if st, err := root.Stat("."); err != nil || !os.SameFile(fi, st) {
		root.Close()
		return nil, fmt.Errorf("%s: %w (replaced while it was opened)", path, ErrLink)
	}
	return &folder{root: root, path: path}, nil
}

// open opens the regular file name for reading, refusing a link, a FIFO or a device, and a
// file swapped after it was listed.
func (f *folder) open(name string) (*os.File, error) {
	fi, err := f.root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s: %w", f.join(name), ErrLink)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", f.join(name))
	}
	// Non-blocking, so that a FIFO swapped in after the Lstat cannot block the open.
	file, err := f.root.OpenFile(name, os.O_RDONLY|syscallNonBlock, 0)
	if err != nil {
		return nil, err
	}
	if st, err := file.Stat(); err != nil || !st.Mode().IsRegular() || !os.SameFile(fi, st) {
		file.Close()
		return nil, fmt.Errorf("%s: %w (replaced while it was opened)", f.join(name), ErrLink)
	}
	return file, nil
}

// moveTo moves the entry name of f to newName in dst: renameat(2) between the two directory
// handles, so no path is resolved again and no link is followed.
func (f *folder) moveTo(name string, dst *folder, newName string) error {
	src, err := f.root.Open(".")
	if err != nil {
		return err
	}
	defer src.Close()
	to, err := dst.root.Open(".")
	if err != nil {
		return err
	}
	defer to.Close()
	if err := renameAt(src, name, to, newName); err != nil {
		return fmt.Errorf("move %s to %s: %w", f.join(name), dst.join(newName), err)
	}
	return nil
}

// writeNew writes a new file name (never an existing one, never through a link) in f.
func (f *folder) writeNew(name string, b []byte) error {
	w, err := f.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, ReportMode)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

func (r *Runner) scanFolder(ctx context.Context, dir *folder, kind geo.UploadKind, carrier string, inspector bool) error {
	entries, err := dir.list()
	if err != nil {
		return err
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
		if r.stopping() {
			return nil // shutting down: the files left are taken by the next start
		}
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".part") {
			if e.Type()&fs.ModeSymlink != 0 {
				r.logger().Warn("inbox: symbolic link ignored", "file", dir.join(name))
			}
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if r.now().Sub(info.ModTime()) < settle {
			continue
		}
		if err := r.ingestInboxFile(ctx, dir, name, kind, carrier, inspector); err != nil {
			// Go on with the folder's other files; the failing one stays and is retried.
			r.logger().Error("inbox file not ingested", "file", dir.join(name), "err", err)
			if firstErr == nil {
				firstErr = logged(err)
			}
		}
	}
	return firstErr
}

func (r *Runner) ingestInboxFile(ctx context.Context, dir *folder, name string, kind geo.UploadKind, carrier string, inspector bool) error {
	path := dir.join(name)
	// A link as processed/ or rejected/ is refused before anything is recorded.
	for _, sub := range []string{"processed", "rejected"} {
		if fi, err := dir.root.Lstat(sub); err == nil && !fi.IsDir() {
			return fmt.Errorf("inbox: %s: %w", dir.join(sub), ErrLink)
		}
	}
	f, err := dir.open(name)
	if err != nil {
		return fmt.Errorf("open inbox file: %w", err)
	}
	max := r.Inbox.MaxBytes
	if max <= 0 {
		max = DefaultInboxMaxBytes
	}
	var u *geo.Upload
	if st, serr := f.Stat(); serr == nil && st.Size() > max {
		err = ErrTooLarge
	} else {
		file := File{Name: name, Kind: kind, Carrier: carrier, Source: "inbox"}
		if inspector {
			file.Inspector, file.Source = true, InspectorSource
		}
		u, err = r.tracked(r.Ingest)(ctx, file, LimitReader(f, max))
	}
	f.Close()
	tooLarge := errors.Is(err, ErrTooLarge)
	if err != nil && !tooLarge {
		return fmt.Errorf("ingest inbox file %s: %w", path, err)
	}
	sub := "processed"
	if tooLarge || u.Result == geo.ResultRejected {
		sub = "rejected"
	}
	if tooLarge {
		r.logger().Warn("inbox file too large: rejected, nothing recorded", "file", path, "limit", max)
	} else {
		r.logger().Info("inbox file ingested", "file", path, "result", u.Result, "upload", u.ID, "problems", len(u.Problems), "notes", len(u.Notes))
		r.logWarnings(u, "file", path)
	}
	if err := dir.mkdir(sub); err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	dst, err := dir.sub(sub)
	if err != nil {
		// The upload is recorded; the file stays, and its next scan is a duplicate.
		return fmt.Errorf("inbox: %s folder refused: %w", sub, err)
	}
	defer dst.root.Close()
	stamp := r.now().UTC().Format("20060102T150405Z")
	base := stamp + "-" + name
	if err := dir.moveTo(name, dst, base); err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	if tooLarge {
		report, _ := json.MarshalIndent(map[string]any{"file": name, "result": "rejected",
			"error": fmt.Sprintf("the file is larger than the drop folder's limit of %d bytes; nothing was stored: split it", max)}, "", "  ")
		if err := dst.writeNew(base+".report.json", append(report, '\n')); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("inbox: write report: %w", err)
		}
		return nil
	}
	report, _ := json.MarshalIndent(wire.NewUpload(u), "", "  ")
	if err := dst.writeNew(base+".report.json", append(report, '\n')); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("inbox: write report: %w", err)
	}
	return nil
}
