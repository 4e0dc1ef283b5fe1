package collector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"iter"
	"slices"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/cover"
	"github.com/covmon/covmon/geo/format"
)

// Store is what ingest needs from storage. Commit methods write the upload record and its rows
// in one transaction and return an error wrapping geo.ErrDuplicateUpload when an accepted
// upload with the same SHA-256 already exists.
type Store interface {
	KnownVillages(ctx context.Context) (func(id string) bool, error)
	// Village returns the village with the given ID as stored today, retired or not (then with
	// RetiredAt), or an error wrapping geo.ErrNotFound (a registry re-import's successor
	// notes name the instant a stored succession took effect).
	Village(ctx context.Context, id string) (*geo.Village, error)
	// AcceptedUploadByHash returns the accepted upload with this duplicate key (carrier, the
	// role it was sent in, SHA-256), or an error wrapping geo.ErrNotFound.
	AcceptedUploadByHash(ctx context.Context, carrier, role, sha256hex string) (*geo.Upload, error)
	// CommitVillageStream stores a registry upload in one transaction from batches read in
	// order (none retained; an error from batches aborts it and nothing is written).
	CommitVillageStream(ctx context.Context, u *geo.Upload, batches iter.Seq2[[]geo.Village, error]) error
	// CommitObservationStream stores an observations upload in one transaction from batches
	// read in order (none retained; an error from batches aborts it and nothing is written).
	CommitObservationStream(ctx context.Context, u *geo.Upload, batches iter.Seq2[[]geo.Observation, error]) error
	// CommitAssignments adds an assignments upload to the dated history of responsible carriers.
	CommitAssignments(ctx context.Context, u *geo.Upload, as []geo.Assignment) error
	// CommitPlans adds a carrier's plans upload to the history of plans.
	CommitPlans(ctx context.Context, u *geo.Upload, ps []geo.Plan) error
	// Assignments returns the whole dated history of responsible carriers (a plans file may
	// plan only the uploader's villages).
	Assignments(ctx context.Context) ([]geo.Assignment, error)
	// CommitCrosswalk stores a crosswalk of administrative units like CommitVillages.
	CommitCrosswalk(ctx context.Context, u *geo.Upload, rows []geo.CrosswalkRow) error
	RecordUpload(ctx context.Context, u *geo.Upload) error
	// Programs lists the configured programs (a registry file may name only these).
	Programs(ctx context.Context) ([]geo.Program, error)
	// VillageShapes returns every village's ID, centre and settled area, ordered by ID (areas
	// uploads are joined against all of the registry).
	VillageShapes(ctx context.Context) ([]string, []cover.VillageShape, error)
	// VillagePlaces returns every village's ID, province and commune, ordered by ID (an areas
	// file's extent is matched against them).
	VillagePlaces(ctx context.Context) ([]geo.VillagePlace, error)
	// RegistryVersion returns a number that changes whenever the village registry changes
	// (any accepted registry upload), from this process or another: what VillageShapes and
	// VillagePlaces return is the same while it is. Other uploads leave it alone.
	RegistryVersion(ctx context.Context) (int64, error)
	// CommitChangedObservations commits an upload like CommitObservations but writes an
	// observation only when it differs from the latest stored one of its village × carrier ×
	// technology at its instant. Each batch shares carrier, technology and observed_at and is
	// not retained.
	CommitChangedObservations(ctx context.Context, u *geo.Upload, batches iter.Seq[[]geo.Observation]) error
}

// ObservationStager is implemented by a store that can write an observations upload while
// its file is still being read (geo.ObservationStage; PostgreSQL). StageObservations returns
// a nil stage when it cannot stage now: the upload is then committed with
// CommitObservationStream.
type ObservationStager interface {
	StageObservations(ctx context.Context) (geo.ObservationStage, error)
}

// ErrUnknownCarrier is returned when the uploader's carrier is not configured.
var ErrUnknownCarrier = errors.New("collector: unknown carrier")

// Ingester validates and stores files. Set the exported fields before use; zero values get the
// documented defaults.
type Ingester struct {
	Store Store
	// Carriers is the configured carrier list (default geo.DefaultCarriers).
	Carriers []string
	// Bounds is the country bounding box (default: the decoder's Vietnam bounds).
	Bounds orb.Bound
	// MaxProblems caps a validation report (default 1000).
	MaxProblems int
	// MinTime and FutureSkew bound the times a file may name (format.Options; zero: the
	// decoders' defaults, 2000-01-01 and 10 minutes).
	MinTime    time.Time
	FutureSkew time.Duration
	// Now is the clock; observations after it are in the future (default time.Now).
	Now func() time.Time
	// DefaultProgram is the program a registry village that names no program joins (the
	// upload's notes say how many did); empty leaves such villages in no program.
	DefaultProgram string

	// RegistryReads counts the reads of the registry for areas uploads: one per registry
	// version while uploads keep coming (see areaRegistry). Read it only between uploads.
	RegistryReads int

	regMu   sync.Mutex
	reg     *areaRegistry
	regDrop *time.Timer
}

// File describes one file to ingest.
type File struct {
	Name string
	Kind geo.UploadKind
	// Carrier is the uploader's carrier when known (an API token or a --carrier flag); a file
	// naming another carrier is rejected. Empty for registry files and trusted local imports.
	Carrier string
	// Source says where the file came from: "cli", "api", "inbox", "inbox-inspector"
	// (InspectorSource), "feed" or "seed".
	Source string
	// Inspector says the uploader is an inspector: the file is independent measurements of any
	// carrier (see format.Options.Inspector).
	Inspector bool
	// TokenID is the API token that sent the file (0 for the other sources); the upload
	// record and its ledger entry keep it.
	TokenID int64
	// DryRun validates without writing anything, not even the upload record.
	DryRun bool
	// Remote says the bytes arrive as they are sent (a feed; a named pipe or standard input
	// given to the CLI): the store is then not asked to stage the rows while the file is read
	// (ObservationStager), so that a slow sender cannot hold one of its sessions and an open
	// transaction for as long as it dribbles. A spooled API upload, a drop-folder file or a
	// regular file given to the CLI is read at disk speed.
	Remote bool
}

// Ingest decides f's kind and carrier (see resolve), reads r to the end, validates it as f.Kind and, unless f.DryRun, records the upload
// and commits its rows in one transaction. An areas file (geo.KindAreas) is streamed, never
// held whole, and joined to the whole registry; it is stored as one observation per village
// per layer (carrier × technology × observed_at), of which only those that change what is
// known of the village at that instant are written (Upload.Inserted counts them). It returns the upload record: Result is accepted,
// rejected (with every problem in Problems) or duplicate (same bytes as an accepted upload,
// nothing written). The error is non-nil only when covmon itself failed (I/O, storage); a bad
// file is not an error but a rejected upload.
func (in *Ingester) Ingest(ctx context.Context, f File, r io.Reader) (*geo.Upload, error) {
	f, err := in.resolve(f)
	if err != nil {
		return nil, err
	}
	// A file name is the carrier's text: control characters and terminal escapes are escaped
	// and its length bounded before it is stored, logged or printed (the API refuses such
	// names outright; a drop-folder or feed file is still read, under the escaped name).
	f.Name = geo.CleanFileName(f.Name)
	now := time.Now
	if in.Now != nil {
		now = in.Now
	}
	u := &geo.Upload{Kind: f.Kind, Carrier: f.Carrier, FileName: f.Name, Source: f.Source, TokenID: f.TokenID, ReceivedAt: time.UnixMilli(now().UnixMilli()).In(geo.Vietnam)}
	h := sha256.New()
	cr := &countingReader{r: io.TeeReader(ctxReader{ctx, r}, h)}

	opt := format.Options{File: f.Name, Bounds: in.Bounds, Carriers: in.Carriers, Carrier: f.Carrier, Inspector: f.Inspector, Now: u.ReceivedAt, MaxProblems: in.MaxProblems,
		MinTime: in.MinTime, FutureSkew: in.FutureSkew}
	var villages *villageSpill
	var obs *observationSpill
	var obsFile *format.ObservationFile
	var assignments []geo.Assignment
	var areas *areaPlan
	var crosswalk []geo.CrosswalkRow
	var plans []geo.Plan
	switch f.Kind {
	case geo.KindVillages:
		progs, perr := in.Store.Programs(ctx)
		if perr != nil {
			return nil, fmt.Errorf("load programs: %w", perr)
		}
		opt.KnownProgram = func(id string) bool {
			return slices.ContainsFunc(progs, func(p geo.Program) bool { return p.ID == id })
		}
		// Two streaming passes: this one validates the file and spills each village (in a
		// compact form, to a temporary file) while the file is clean; the commit below reads
		// the spill back into one transaction. Memory does not grow with the registry.
		if !f.DryRun {
			if villages, err = newVillageSpill(); err != nil {
				return nil, err
			}
			defer villages.close()
		}
		// The registry's IDs are loaded only if the file names predecessors (retirements):
		// a plain re-import does not hold the whole registry's IDs in memory.
		var known func(string) bool
		var knownErr error
		opt.KnownVillage = func(id string) bool {
			if known == nil && knownErr == nil {
				known, knownErr = in.Store.KnownVillages(ctx)
			}
			return knownErr != nil || known(id)
		}
		var notes villageNotes
		var succ successorNotes
		var info format.RegistryInfo
		info, err = format.StreamRegistry(cr, opt, func(v geo.Village) {
			notes.add(&v, in.DefaultProgram)
			succ.add(&v)
			if villages != nil {
				villages.add(&v)
			}
		})
		if knownErr != nil {
			return nil, fmt.Errorf("load village registry: %w", knownErr)
		}
		u.Effective = info.Effective
		if err == nil {
			u.Features = notes.villages
			notes.report(u, in.DefaultProgram)
			if serr := succ.report(ctx, in.Store, u, info.Effective); serr != nil {
				return nil, serr
			}
		}
	case geo.KindAssignments:
		progs, perr := in.Store.Programs(ctx)
		if perr != nil {
			return nil, fmt.Errorf("load programs: %w", perr)
		}
		opt.KnownProgram = func(id string) bool {
			return slices.ContainsFunc(progs, func(p geo.Program) bool { return p.ID == id })
		}
		if opt.KnownVillage, err = in.Store.KnownVillages(ctx); err != nil {
			return nil, fmt.Errorf("load village registry: %w", err)
		}
		assignments, err = format.DecodeAssignments(cr, opt)
		u.Features = len(assignments)
	case geo.KindPlans:
		progs, perr := in.Store.Programs(ctx)
		if perr != nil {
			return nil, fmt.Errorf("load programs: %w", perr)
		}
		opt.KnownProgram = func(id string) bool {
			return slices.ContainsFunc(progs, func(p geo.Program) bool { return p.ID == id })
		}
		if opt.KnownVillage, err = in.Store.KnownVillages(ctx); err != nil {
			return nil, fmt.Errorf("load village registry: %w", err)
		}
		as, aerr := in.Store.Assignments(ctx)
		if aerr != nil {
			return nil, fmt.Errorf("load assignments: %w", aerr)
		}
		// Responsibility at the time of upload: a carrier plans only its own villages.
		book, at := geo.NewAssignments(as), u.ReceivedAt
		opt.Responsible = func(prog, village string) string { return book.At(prog, village, at) }
		plans, err = format.DecodePlans(cr, opt)
		u.Features = len(plans)
		if u.Carrier == "" {
			u.Carrier = solePlanCarrier(plans)
		}
	case geo.KindObservations:
		if opt.KnownVillage, err = in.Store.KnownVillages(ctx); err != nil {
			return nil, fmt.Errorf("load village registry: %w", err)
		}
		// Streamed like a registry: the rows wait in a temporary file between the passes
		// (validation, the end-of-file checks, the commit), so memory does not grow with the
		// file beyond the duplicate check's fingerprint per row.
		if obs, err = newObservationSpill(); err != nil {
			return nil, err
		}
		defer obs.close()
		// A store that can stage copies the rows in while the file is read (whether they are
		// stored is still decided at its end; see geo.ObservationStage).
		if s, ok := in.Store.(ObservationStager); ok && !f.DryRun && !f.Remote {
			if obs.stage, err = s.StageObservations(ctx); err != nil {
				return nil, err
			}
			if obs.stage != nil {
				defer obs.stage.Abort() // unless committed
			}
		}
		obsFile, err = format.StreamObservations(cr, opt, obs)
		if serr := obs.staged(); serr != nil {
			return nil, fmt.Errorf("stage %s: %w", f.Name, serr)
		}
		if err == nil {
			u.Features = obs.n
			u.Effective = reportedThrough(obs.newest, u.ReceivedAt)
			if u.Carrier == "" {
				var serr error
				if u.Carrier, serr = soleCarrier(obs.batches(obsFile)); serr != nil {
					return nil, fmt.Errorf("read %s: %w", f.Name, serr)
				}
			}
		}
	case geo.KindCrosswalk:
		crosswalk, err = format.DecodeCrosswalk(cr, opt)
		u.Features = len(crosswalk)
	case geo.KindAreas:
		aopt := format.Options{File: f.Name, Bounds: in.Bounds, Carriers: in.Carriers, Carrier: f.Carrier, Now: u.ReceivedAt, MaxProblems: in.MaxProblems,
			MinTime: in.MinTime, FutureSkew: in.FutureSkew}
		areas, err = in.decodeAreas(ctx, cr, aopt)
		if areas != nil {
			u.Features = areas.features
			if u.Carrier == "" {
				u.Carrier = areas.carrier()
			}
			if err == nil {
				areas.report(u)
				u.Effective = reportedThrough(areas.newest(), u.ReceivedAt)
			}
		}
	default:
		return nil, fmt.Errorf("ingest %s: unsupported kind %q", f.Name, f.Kind)
	}
	// Hash every byte, even past the point where decoding stopped, so that a duplicate is
	// recognised whatever its content.
	if _, cerr := io.Copy(io.Discard, cr); cerr != nil {
		return nil, fmt.Errorf("read %s: %w", f.Name, cerr)
	}
	u.Size = cr.n
	u.SHA256 = hexSum(h)
	// The upload is received now, when its last byte has arrived: the audit view counts it
	// from here (docs/figures.md, "As known then"). Stamped at its first byte, a sender that
	// dribbles its file (a feed's body, read as it comes, with no clock) would choose the rest
	// of it later and have it dated back to when it began. The instant the file was checked
	// against (a date in the future, a default effective) stays the first byte's, earlier.
	u.ReceivedAt = time.UnixMilli(now().UnixMilli()).In(geo.Vietnam)

	var verr *geo.ValidationError
	switch {
	case errors.As(err, &verr):
		u.Result = geo.ResultRejected
		u.Problems = verr.Problems
	case err != nil:
		return nil, fmt.Errorf("decode %s: %w", f.Name, err)
	}

	// The role the file was sent in is part of the duplicate key: an inspector's measurements
	// are not swallowed by a carrier that uploaded the same bytes first as its own claims, nor
	// the reverse (docs/security.md).
	sourceRole := ""
	if obsFile != nil {
		sourceRole = obsFile.Role
	}
	u.Role = geo.UploadRole(f.Kind, f.Inspector, sourceRole)
	prev, err := in.Store.AcceptedUploadByHash(ctx, u.Carrier, u.Role, u.SHA256)
	switch {
	case err == nil:
		u.Result, u.DuplicateOf, u.Problems, u.Features = geo.ResultDuplicate, prev.ID, nil, prev.Features
		u.Extent, u.MarkedDark, u.Notes = prev.Extent, prev.MarkedDark, nil
	case !errors.Is(err, geo.ErrNotFound):
		return nil, fmt.Errorf("look up upload hash: %w", err)
	}
	if f.DryRun {
		if u.Result == "" {
			u.Result = geo.ResultAccepted
		}
		return u, nil
	}
	if u.Result != "" {
		if obs != nil && obs.stage != nil {
			obs.stage.Abort() // rejected or a duplicate: its session goes back now
		}
		if err := in.Store.RecordUpload(ctx, u); err != nil {
			return nil, fmt.Errorf("record upload: %w", err)
		}
		return u, nil
	}

	u.Result = geo.ResultAccepted
	switch f.Kind {
	case geo.KindVillages:
		if err = villages.finish(); err == nil {
			err = in.Store.CommitVillageStream(ctx, u, villages.batches())
		}
	case geo.KindObservations:
		if obs.stage != nil {
			err = obs.stage.Commit(ctx, u, obsFile.Carrier, obsFile.Role == geo.SourceIndependent)
		} else {
			err = in.Store.CommitObservationStream(ctx, u, obs.batches(obsFile))
		}
	case geo.KindAssignments:
		err = in.Store.CommitAssignments(ctx, u, assignments)
	case geo.KindAreas:
		err = in.Store.CommitChangedObservations(ctx, u, areas.observations)
	case geo.KindCrosswalk:
		err = in.Store.CommitCrosswalk(ctx, u, crosswalk)
	case geo.KindPlans:
		err = in.Store.CommitPlans(ctx, u, plans)
	}
	if errors.Is(err, geo.ErrDuplicateUpload) {
		// Another upload of the same bytes won the race.
		u.ID, u.Inserted, u.Result = 0, 0, geo.ResultDuplicate
		if err := in.Store.RecordUpload(ctx, u); err != nil {
			return nil, fmt.Errorf("record upload: %w", err)
		}
		return u, nil
	}
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", f.Name, err)
	}
	return u, nil
}

func (in *Ingester) carriers() []string {
	if len(in.Carriers) == 0 {
		return geo.DefaultCarriers
	}
	return in.Carriers
}

// soleCarrier returns the carrier of every observation, or "" when they name more than one.
func soleCarrier(batches iter.Seq2[[]geo.Observation, error]) (string, error) {
	c := ""
	for obs, err := range batches {
		if err != nil {
			return "", err
		}
		for i := range obs {
			switch {
			case c == "":
				c = obs[i].Carrier
			case c != obs[i].Carrier:
				return "", nil
			}
		}
	}
	return c, nil
}

func solePlanCarrier(ps []geo.Plan) string {
	c := ""
	for i := range ps {
		switch {
		case c == "":
			c = ps[i].Carrier
		case c != ps[i].Carrier:
			return ""
		}
	}
	return c
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// ctxReader stops reading once ctx is done: a file whose upload was abandoned (a client that
// went away, Ctrl-C, shutdown) is not decoded to its end (up to the limits, 512 MiB) for
// nothing; the ingest then fails with ctx's error and stores nothing.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// villageNotes applies the registry rules that are notices, not errors, village by village,
// and says so in the upload's notes: villages that name no program join the default program;
// the legacy per-village "deadline" (every program) is deprecated in favour of "deadlines"
// (per program).
type villageNotes struct {
	villages, noProgram, legacy int
}

// add applies the rules to v and counts it.
func (n *villageNotes) add(v *geo.Village, defaultProgram string) {
	n.villages++
	if len(v.Programs) == 0 && defaultProgram != "" {
		v.Programs = []string{defaultProgram}
		n.noProgram++
	}
	if !v.Deadline.IsZero() {
		n.legacy++
	}
}

// report adds the notes to u.
func (n *villageNotes) report(u *geo.Upload, defaultProgram string) {
	if n.noProgram > 0 {
		u.Notes = append(u.Notes, fmt.Sprintf("Warning: %d of %d villages name no program; they join the default program %q. "+
			"Name their programs in \"programs\" to change that.", n.noProgram, n.villages, defaultProgram))
	}
	if n.legacy > 0 {
		u.Notes = append(u.Notes, fmt.Sprintf("Warning: %d villages carry the deprecated \"deadline\", which applies to every program they are in; "+
			"use \"deadlines\": {\"program_id\": \"YYYY-MM-DD\"} to set a deadline for one program.", n.legacy))
	}
}

// reportedThrough is the instant an observations or areas upload speaks as of: the newest
// observed_at it holds, at most its receipt (an observation may be dated a few minutes ahead
// of covmon's clock). It is what makes an upload a fresh report for the stale-data alert: a
// carrier re-sending old observations, whatever bytes it changes, reports nothing newer than
// before, while a layer re-sent with today's date reports today even when it changes nothing
// (docs/alerts.md).
func reportedThrough(newest, received time.Time) time.Time {
	if newest.After(received) {
		return received
	}
	return newest
}
