package collector

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/covmon/covmon/geo"
)

// A warm start (issue 16): computing the snapshot is a walk over the whole registry and the
// latest claim of every series, minutes of CPU at national scale, so covmon serve keeps the
// last snapshot it computed in the store and, at its next start, serves it at once when it was
// computed from exactly the data, configuration and covmon build there are now, on the same
// day in Vietnam, while the snapshot is computed again in the background (docs/figures.md,
// "When the figures are computed").

// WarmStore keeps the last snapshot computed, for a warm start.
type WarmStore interface {
	// DataVersion returns what a snapshot computed now is computed from: the observation
	// mark, the registry version and the ledger head.
	DataVersion(ctx context.Context) (geo.DataVersion, error)
	// SaveSnapshot replaces the cached snapshot of b.ProgramSet.
	SaveSnapshot(ctx context.Context, b *geo.SnapshotBlob) error
	// LoadSnapshot returns the cached snapshot of programSet, its Data only when its Inputs
	// are inputs (a snapshot refused is not read), or an error wrapping geo.ErrNotFound.
	LoadSnapshot(ctx context.Context, programSet, inputs string) (*geo.SnapshotBlob, error)
}

// DefaultWarmMaxAge is the oldest persisted snapshot a warm start serves, when Runner's
// WarmMaxAge is not set; it must also be of the same day in Vietnam.
const DefaultWarmMaxAge = 24 * time.Hour

// snapshotFormat is the version of EncodeSnapshot's encoding; a change of the snapshot's Go
// types changes the key too (snapshotTypes), so an old blob is never decoded into new types.
const snapshotFormat = 2

// snapshotMagic starts every encoded snapshot.
var snapshotMagic = []byte("covmon-snapshot\x00")

// EncodeSnapshot encodes s for the store: a magic and the format version, then segments, each
// its length (uvarint) and its bytes, gzipped at the fastest level (a sixth of the bytes, which
// the store reads back faster than it decompresses them). The first segment is a gob of the
// snapshot without its village lists and its History (the monthly figures are read from the
// daily figures again at a warm start), with the list each later segment belongs to; each later
// segment is a gob stream of up to snapshotSegment villages of one list, in messages of
// snapshotChunk (gob reads a message whole into a growing buffer). Segments are encoded and
// decoded in parallel.
func EncodeSnapshot(s *geo.Snapshot) ([]byte, error) {
	head := snapshotHead{Snapshot: *s}
	head.Programs = slices.Clone(s.Programs)
	var lists [][]geo.VillageStatus
	for i := range head.Programs {
		ps := &head.Programs[i]
		for d, list := range [][]geo.VillageStatus{ps.Open, ps.Discrepant} {
			for c := range slices.Chunk(list, snapshotSegment) {
				head.Segments = append(head.Segments, segmentOf{Program: i, Discrepant: d == 1, Villages: len(c)})
				lists = append(lists, c)
			}
		}
		ps.Open, ps.Discrepant, ps.History = nil, nil, nil
	}
	segs := make([][]byte, 1+len(lists))
	errs := make([]error, len(segs))
	parallel(len(segs), func(i int) {
		if i == 0 {
			segs[0], errs[0] = gzipGob(func(enc *gob.Encoder) error { return enc.Encode(&head) })
			return
		}
		segs[i], errs[i] = gzipGob(func(enc *gob.Encoder) error {
			for c := range slices.Chunk(lists[i-1], snapshotChunk) {
				if err := enc.Encode(c); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("encode snapshot: %w", err)
	}
	out := append(bytes.Clone(snapshotMagic), snapshotFormat)
	for _, b := range segs {
		out = binary.AppendUvarint(out, uint64(len(b)))
		out = append(out, b...)
	}
	return out, nil
}

const (
	// snapshotSegment is the most villages per segment of an encoded snapshot.
	snapshotSegment = 16384
	// snapshotChunk is the number of villages per gob message in a segment.
	snapshotChunk = 512
)

// snapshotHead is the first segment of an encoded snapshot: the snapshot without its village
// lists, and what each later segment holds.
type snapshotHead struct {
	geo.Snapshot
	Segments []segmentOf
}

// segmentOf says which list a segment's villages belong to.
type segmentOf struct {
	Program    int
	Discrepant bool
	Villages   int
}

// gzipGob returns what write encodes, gzipped.
func gzipGob(write func(*gob.Encoder) error) ([]byte, error) {
	var buf bytes.Buffer
	z, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if err := write(gob.NewEncoder(z)); err != nil {
		return nil, err
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// parallel calls fn(0) … fn(n-1), as many at a time as there are CPUs.
func parallel(n int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// ungzipGob decodes one segment with read, which must consume it all: a segment ends with its
// last value, its checksum verified. A panic of the decoder is an error.
func ungzipGob(b []byte, read func(*gob.Decoder) error) (err error) {
	defer func() {
		if r := recover(); r != nil { // gob should not panic on bad input; never crash on it
			err = fmt.Errorf("%v", r)
		}
	}()
	z, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return err
	}
	z.Multistream(false)
	br := bufio.NewReaderSize(z, 1<<16)
	if err := read(gob.NewDecoder(br)); err != nil {
		return err
	}
	if _, err := br.Peek(1); err != io.EOF {
		return fmt.Errorf("after the segment's values: %v", cmp.Or(err, errors.New("more bytes")))
	}
	return nil
}

// DecodeSnapshot decodes what EncodeSnapshot made; anything else (another format, a truncated
// or corrupt blob, bytes after the end) is an error, never a panic.
func DecodeSnapshot(b []byte) (*geo.Snapshot, error) {
	if !bytes.HasPrefix(b, snapshotMagic) || len(b) <= len(snapshotMagic) {
		return nil, errors.New("decode snapshot: not an encoded snapshot")
	}
	if v := b[len(snapshotMagic)]; v != snapshotFormat {
		return nil, fmt.Errorf("decode snapshot: format %d, this covmon reads %d", v, snapshotFormat)
	}
	var segs [][]byte
	for rest := b[len(snapshotMagic)+1:]; len(rest) > 0; {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			return nil, fmt.Errorf("decode snapshot: segment %d: bad length", len(segs))
		}
		segs = append(segs, rest[k:k+int(n)])
		rest = rest[k+int(n):]
	}
	if len(segs) == 0 {
		return nil, errors.New("decode snapshot: no segments")
	}
	var head snapshotHead
	if err := ungzipGob(segs[0], func(dec *gob.Decoder) error { return dec.Decode(&head) }); err != nil {
		return nil, fmt.Errorf("decode snapshot: %w", err)
	}
	if len(head.Segments) != len(segs)-1 {
		return nil, fmt.Errorf("decode snapshot: %d segments of villages, the head names %d", len(segs)-1, len(head.Segments))
	}
	for _, sg := range head.Segments {
		if sg.Program < 0 || sg.Program >= len(head.Programs) || sg.Villages <= 0 || sg.Villages > snapshotSegment {
			return nil, fmt.Errorf("decode snapshot: a segment of %d villages of program %d", sg.Villages, sg.Program)
		}
	}
	lists := make([][]geo.VillageStatus, len(head.Segments))
	errs := make([]error, len(head.Segments))
	parallel(len(head.Segments), func(i int) {
		want := head.Segments[i].Villages
		errs[i] = ungzipGob(segs[i+1], func(dec *gob.Decoder) error {
			list := make([]geo.VillageStatus, 0, want)
			for len(list) < want {
				var c []geo.VillageStatus
				if err := dec.Decode(&c); err != nil {
					return err
				}
				if len(c) == 0 || len(list)+len(c) > want {
					return errors.New("more villages than the head says")
				}
				list = append(list, c...)
			}
			lists[i] = list
			return nil
		})
		if errs[i] != nil {
			errs[i] = fmt.Errorf("segment %d: %w", i+1, errs[i])
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("decode snapshot: %w", err)
	}
	out := head.Snapshot
	for i, sg := range head.Segments {
		ps := &out.Programs[sg.Program]
		if sg.Discrepant {
			ps.Discrepant = append(ps.Discrepant, lists[i]...)
		} else {
			ps.Open = append(ps.Open, lists[i]...)
		}
	}
	// gob keeps each instant's offset, not its zone's name: every reader formats instants
	// with offsets (or in geo.Vietnam), so nothing shows the difference.
	return &out, nil
}

// programSet names the row of the snapshot cache: the programs' IDs, sorted.
func programSet(progs []geo.Program) string {
	ids := make([]string, len(progs))
	for i := range progs {
		ids[i] = progs[i].ID
	}
	slices.Sort(ids)
	return strings.Join(ids, ",")
}

// warmInputs are the parts of the warm start's key, in the order they are written.
var warmInputs = []string{"format", "types", "build", "config", "observations", "registry", "ledger"}

// inputsKey returns the key a snapshot computed now from v is stored under: the encoding's
// format and types, covmon's build, the configuration's programs and policy, and the data.
func (r *Runner) inputsKey(v geo.DataVersion) (string, error) {
	cfg, err := json.Marshal(struct {
		Programs []geo.Program
		Policy   geo.Policy
	}{r.Programs, r.Policy})
	if err != nil {
		return "", fmt.Errorf("warm start key: %w", err)
	}
	vals := []string{strconv.Itoa(snapshotFormat), snapshotTypes(), buildID(), shortHash(cfg),
		strconv.FormatInt(v.Mark, 10), strconv.FormatInt(v.Registry, 10), strconv.FormatInt(v.Ledger, 10) + ":" + v.LedgerHash}
	parts := make([]string, len(vals))
	for i := range vals {
		parts[i] = warmInputs[i] + "=" + vals[i]
	}
	return strings.Join(parts, " "), nil
}

// keyDiff names the parts of the key that differ between a and b.
func keyDiff(a, b string) []string {
	pa, pb := strings.Fields(a), strings.Fields(b)
	var out []string
	for i, name := range warmInputs {
		if i >= len(pa) || i >= len(pb) || pa[i] != pb[i] {
			out = append(out, name)
		}
	}
	if len(out) == 0 && a != b {
		out = append(out, "format")
	}
	return out
}

func shortHash(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

var snapshotTypes = sync.OnceValue(func() string {
	var b strings.Builder
	typeShape(&b, reflect.TypeFor[geo.Snapshot](), map[reflect.Type]bool{})
	return shortHash([]byte(b.String()))
})

// typeShape writes the shape of t: every field's name and type, recursively, so that any change
// of the snapshot's Go types (which gob would decode silently into zero values) changes the key.
func typeShape(b *strings.Builder, t reflect.Type, seen map[reflect.Type]bool) {
	b.WriteString(t.String())
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		b.WriteByte('<')
		typeShape(b, t.Elem(), seen)
		b.WriteByte('>')
	case reflect.Map:
		b.WriteByte('<')
		typeShape(b, t.Key(), seen)
		b.WriteByte(',')
		typeShape(b, t.Elem(), seen)
		b.WriteByte('>')
	case reflect.Struct:
		if seen[t] || t == reflect.TypeFor[time.Time]() {
			return
		}
		seen[t] = true
		b.WriteByte('{')
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			b.WriteString(f.Name)
			b.WriteByte(':')
			typeShape(b, f.Type, seen)
			b.WriteByte(';')
		}
		b.WriteByte('}')
	}
}

// buildID identifies the covmon binary: its VCS revision when it was built from a clean
// checkout, else a hash of the executable. Another covmon may compute the figures otherwise, so
// its first start is a cold one.
var buildID = sync.OnceValue(func() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" && modified == "false" {
			return rev
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	f, err := os.Open(exe)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "unknown"
	}
	return "exe-" + hex.EncodeToString(h.Sum(nil)[:8])
})

func (r *Runner) warmMaxAge() time.Duration {
	if r.WarmMaxAge <= 0 {
		return DefaultWarmMaxAge
	}
	return r.WarmMaxAge
}

// WarmStart serves the snapshot persisted by the last whole computation, when it was computed
// from exactly today's inputs (the data, the configuration's programs and policy, this covmon
// build, the encoding), on the same day in Vietnam and no longer than WarmMaxAge ago. It reports
// whether it did; when it did, Start computes the snapshot again at once, in the background, and
// replaces it. A snapshot refused (or none, or one that cannot be read) is logged with the
// reason and leaves the Runner as it was: the caller computes as without a cache. Only a
// failure to read the store is an error.
func (r *Runner) WarmStart(ctx context.Context) (bool, error) {
	if r.Warm == nil {
		return false, nil
	}
	log := r.logger()
	v, err := r.Warm.DataVersion(ctx)
	if err != nil {
		return false, fmt.Errorf("warm start: %w", err)
	}
	key, err := r.inputsKey(v)
	if err != nil {
		log.Warn("warm start refused", "reason", err)
		return false, nil
	}
	start := time.Now()
	b, err := r.Warm.LoadSnapshot(ctx, programSet(r.Programs), key)
	if errors.Is(err, geo.ErrNotFound) {
		log.Info("warm start: no persisted snapshot")
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("warm start: %w", err)
	}
	if b.Inputs != key {
		log.Info("warm start refused: the snapshot's inputs changed", "changed", strings.Join(keyDiff(b.Inputs, key), ","), "computed_at", b.ComputedAt)
		return false, nil
	}
	read := time.Since(start)
	s, err := DecodeSnapshot(b.Data)
	decoded := time.Since(start) - read
	if err != nil {
		log.Warn("warm start refused: the persisted snapshot cannot be read", "err", err, "bytes", len(b.Data))
		return false, nil
	}
	now := r.now()
	switch {
	case s.AsOf.After(now):
		log.Info("warm start refused: the snapshot is of a later instant than now", "as_of", s.AsOf)
		return false, nil
	case now.Sub(s.AsOf) > r.warmMaxAge():
		log.Info("warm start refused: the snapshot is too old", "as_of", s.AsOf, "max_age", r.warmMaxAge())
		return false, nil
	case !dayOf(s.AsOf).Equal(dayOf(now)):
		log.Info("warm start refused: the snapshot is of another day in Vietnam", "as_of", s.AsOf)
		return false, nil
	}
	if err := r.loadHistory(ctx, s); err != nil {
		return false, fmt.Errorf("warm start: %w", err)
	}
	r.refreshMu.Lock()
	defer r.refreshMu.Unlock()
	r.live = nil // no tally: an upload before the recomputation has finished recomputes whole
	r.snap.Store(s)
	r.warm = true
	r.persistMu.Lock()
	r.saved = savedKey{inputs: key, asOf: s.AsOf}
	r.persistMu.Unlock()
	log.Info("warm start: serving the persisted snapshot while it is computed again", "as_of", s.AsOf, "bytes", len(b.Data),
		"read", read.Round(time.Millisecond), "decode", decoded.Round(time.Millisecond))
	return true, nil
}

// savedKey is what the snapshot last persisted was computed from, and its instant.
type savedKey struct {
	inputs string
	asOf   time.Time
}

// dataVersion reads the warm start's data version before a whole computation (ok false without
// a WarmStore or when it cannot be read: nothing is persisted then). It is read before the
// computation reads anything: a write during the computation moves a part of the version past
// the one stored with the snapshot, so the snapshot is never taken for later data.
func (r *Runner) dataVersion(ctx context.Context) (geo.DataVersion, bool) {
	if r.Warm == nil {
		return geo.DataVersion{}, false
	}
	v, err := r.Warm.DataVersion(ctx)
	if err != nil {
		r.logger().Warn("snapshot not persisted: data version", "err", err)
		return v, false
	}
	return v, true
}

// partialPersistEvery bounds how often a snapshot updated by an upload (the villages it
// touched, or only the upload figures) is persisted: a stream of tiny uploads writes the
// snapshot (megabytes) at most this often, not once per upload. Shutdown writes the newest at
// once, so a restart is warm all the same.
const partialPersistEvery = 2 * time.Minute

// persistItem is the newest snapshot waiting to be persisted.
type persistItem struct {
	ctx     context.Context
	s       *geo.Snapshot
	v       geo.DataVersion
	partial bool
}

// persistQueue holds the one snapshot waiting to be persisted and runs the writer.
type persistQueue struct {
	mu        sync.Mutex
	next      *persistItem
	running   bool
	kick      chan struct{} // capacity 1: a whole computation's snapshot is waiting
	flush     chan struct{} // closed by Shutdown: write what waits at once
	flushOnce sync.Once
	last      time.Time // when the writer last wrote (the writer's own)
}

// persistAsync persists s, computed from v (whole, or partial: updated by an upload), off the
// refresh: the figures are served without waiting for their encoding (seconds at national
// scale). Called with refreshMu held. Only the newest snapshot waits: one overtaken is never
// written. A whole computation's is written at once; a partial one at most once per
// partialPersistEvery.
func (r *Runner) persistAsync(ctx context.Context, s *geo.Snapshot, v geo.DataVersion, partial bool) {
	q := &r.persistQ
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.kick == nil {
		q.kick, q.flush = make(chan struct{}, 1), make(chan struct{})
	}
	// Not cancelled with the refresh: a shutdown right after a computation (a restart) waits
	// for it, so that the restart is warm.
	q.next = &persistItem{ctx: context.WithoutCancel(ctx), s: s, v: v, partial: partial}
	if !partial {
		select {
		case q.kick <- struct{}{}:
		default:
		}
	}
	if !q.running {
		q.running = true
		r.persisting.Add(1)
		go r.persistLoop()
	}
}

// persistLoop writes what waits to be persisted until nothing does.
func (r *Runner) persistLoop() {
	defer r.persisting.Done()
	q := &r.persistQ
	for {
		q.mu.Lock()
		it := q.next
		if it == nil {
			q.running = false
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		if wait := q.last.Add(partialPersistEvery).Sub(r.now()); it.partial && !q.last.IsZero() && wait > 0 {
			t := r.clock().NewTimer(wait)
			select {
			case <-t.Chan():
				q.last = time.Time{} // due: written at the next turn
			case <-q.kick: // a whole computation's snapshot replaced it
			case <-q.flush:
				q.last = time.Time{}
			}
			t.Stop()
			continue
		}
		q.mu.Lock()
		it, q.next = q.next, nil
		q.mu.Unlock()
		r.persistMu.Lock()
		r.persist(it.ctx, it.s, it.v)
		r.persistMu.Unlock()
		q.last = r.now()
		select {
		case <-q.flush: // shutting down: whatever comes next is written at once
			q.last = time.Time{}
		default:
		}
	}
}

// flushPersist makes the writer write what waits at once (Shutdown).
func (r *Runner) flushPersist() {
	q := &r.persistQ
	q.mu.Lock()
	if q.kick == nil {
		q.kick, q.flush = make(chan struct{}, 1), make(chan struct{})
	}
	q.mu.Unlock()
	q.flushOnce.Do(func() { close(q.flush) })
}

// WaitPersisted waits until the snapshots waiting to be persisted are (or their persisting
// failed); a partial one waits for its turn (partialPersistEvery), or for Shutdown.
func (r *Runner) WaitPersisted() { r.persisting.Wait() }

// persistPartial persists the current snapshot, updated by an upload from what v names (read
// before the update read anything), when it counts everything stored: not while a whole
// computation is owed (with refreshMu held).
func (r *Runner) persistPartial(ctx context.Context, v geo.DataVersion, ok bool) {
	if !ok || r.Warm == nil {
		return
	}
	if _, _, pending := r.RefreshPending(); pending {
		return
	}
	if s := r.snap.Load(); s != nil {
		r.persistAsync(ctx, s, v, true)
	}
}

// persist stores s, computed from v (with persistMu held), for the next warm start; it logs a
// failure (the snapshot itself stands). Skipped when the snapshot stored is of the same inputs, the same day
// and less than half the age bound older: it serves a restart as well.
func (r *Runner) persist(ctx context.Context, s *geo.Snapshot, v geo.DataVersion) {
	key, err := r.inputsKey(v)
	if err != nil {
		r.logger().Warn("snapshot not persisted", "err", err)
		return
	}
	if old := r.saved.asOf; r.saved.inputs == key && dayOf(old).Equal(dayOf(s.AsOf)) && s.AsOf.Sub(old) < r.warmMaxAge()/2 {
		return
	}
	start := time.Now()
	data, err := EncodeSnapshot(s)
	encoded := time.Since(start)
	if err == nil {
		err = r.Warm.SaveSnapshot(ctx, &geo.SnapshotBlob{ProgramSet: programSet(r.Programs), Inputs: key, ComputedAt: s.ComputedAt, Data: data})
	}
	if err != nil {
		r.logger().Warn("snapshot not persisted", "err", err)
		return
	}
	r.saved = savedKey{inputs: key, asOf: s.AsOf}
	r.logger().Info("snapshot persisted", "bytes", len(data), "encode", encoded.Round(time.Millisecond), "took", time.Since(start).Round(time.Millisecond))
}
