package collector

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"math"
	"os"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

// spill holds a file's records between the passes of an import: the first pass validates the
// file and writes each record here in a compact binary form (a temporary file, removed by
// close), later passes read them back. So no pass holds the file's rows in memory, whatever its
// size, and a reader that cannot be rewound (an HTTP body, a gzip stream) is read only once.
type spill struct {
	f   *os.File
	w   *bufio.Writer
	n   int
	err error // the first write error
	hdr [binary.MaxVarintLen64]byte
}

// spillBatch is the number of rows per batch handed to the store.
const spillBatch = 1000

func newSpill(what string) (*spill, error) {
	f, err := os.CreateTemp("", "covmon-"+what+"-*.spill")
	if err != nil {
		return nil, fmt.Errorf("%s spill: %w", what, err)
	}
	return &spill{f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

// close removes the temporary file.
func (s *spill) close() {
	if s == nil {
		return
	}
	s.f.Close()
	os.Remove(s.f.Name())
}

// add appends one record; a write error is kept and returned by rewind.
func (s *spill) add(b []byte) {
	if s.err != nil {
		return
	}
	if _, err := s.w.Write(s.hdr[:binary.PutUvarint(s.hdr[:], uint64(len(b)))]); err != nil {
		s.err = err
		return
	}
	if _, err := s.w.Write(b); err != nil {
		s.err = err
		return
	}
	s.n++
}

// rewind flushes what was written and goes back to the first record.
func (s *spill) rewind() error {
	if s.err == nil {
		s.err = s.w.Flush()
	}
	if s.err == nil {
		_, s.err = s.f.Seek(0, io.SeekStart)
	}
	if s.err != nil {
		return fmt.Errorf("spill: %w", s.err)
	}
	return nil
}

// records reads every record back from the start, in order; the slice is reused.
func (s *spill) records() iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		if err := s.rewind(); err != nil {
			yield(nil, err)
			return
		}
		r := bufio.NewReaderSize(s.f, 1<<20)
		var buf []byte
		for range s.n {
			size, err := binary.ReadUvarint(r)
			if err != nil {
				yield(nil, fmt.Errorf("spill: read: %w", unexpected(err)))
				return
			}
			buf = slices.Grow(buf[:0], int(size))[:size]
			if _, err := io.ReadFull(r, buf); err != nil {
				yield(nil, fmt.Errorf("spill: read: %w", unexpected(err)))
				return
			}
			if !yield(buf, nil) {
				return
			}
		}
	}
}

// inBatches decodes the records with read into batches of at most spillBatch; the batch slice
// is reused, so a consumer must not keep it past its turn.
func inBatches[T any](s *spill, read func([]byte, *T) error) iter.Seq2[[]T, error] {
	return func(yield func([]T, error) bool) {
		batch := make([]T, 0, spillBatch)
		i := 0
		for b, err := range s.records() {
			if err != nil {
				yield(nil, err)
				return
			}
			batch = batch[:len(batch)+1]
			if err := read(b, &batch[len(batch)-1]); err != nil {
				yield(nil, fmt.Errorf("spill: record %d: %w", i, err))
				return
			}
			i++
			if len(batch) == spillBatch {
				if !yield(batch, nil) {
					return
				}
				batch = batch[:0]
			}
		}
		if len(batch) > 0 {
			yield(batch, nil)
		}
	}
}

// villageSpill holds a registry file's villages between the two passes of an import.
type villageSpill struct {
	*spill
	buf []byte
}

func newVillageSpill() (*villageSpill, error) {
	s, err := newSpill("villages")
	if err != nil {
		return nil, err
	}
	return &villageSpill{spill: s}, nil
}

// add writes v; a write error is kept and returned by finish.
func (s *villageSpill) add(v *geo.Village) {
	if s.err != nil {
		return
	}
	b, err := appendVillage(s.buf[:0], v)
	if err != nil {
		s.err = err
		return
	}
	s.buf = b
	s.spill.add(b)
}

// finish reports a write error of the first pass.
func (s *villageSpill) finish() error {
	if err := s.rewind(); err != nil {
		return fmt.Errorf("village %w", err)
	}
	return nil
}

// batches reads the villages back in file order.
func (s *villageSpill) batches() iter.Seq2[[]geo.Village, error] {
	return inBatches(s.spill, readVillage)
}

// observationSpill holds an observations file's rows between the passes of an ingest; it is
// the format's RowSpool.
type observationSpill struct {
	*spill
	buf []byte
	row format.ObservationRow
	// newest is the greatest observed_at of the rows added.
	newest time.Time

	// stage, when set, is also handed the rows added, stageBatch at a time (staged hands it
	// the rest); stageErr is its first error, after which it is not called again.
	stage    geo.ObservationStage
	pending  []geo.Observation
	stageErr error
}

// stageBatch is the number of rows per batch handed to a stage.
const stageBatch = 1024

func newObservationSpill() (*observationSpill, error) {
	s, err := newSpill("observations")
	if err != nil {
		return nil, err
	}
	return &observationSpill{spill: s}, nil
}

// Add writes row (format.RowSpool).
func (s *observationSpill) Add(row *format.ObservationRow) {
	if row.Observation.ObservedAt.After(s.newest) {
		s.newest = row.Observation.ObservedAt
	}
	s.buf = appendObservationRow(s.buf[:0], row)
	s.spill.add(s.buf)
	if s.stage != nil && s.stageErr == nil {
		s.pending = append(s.pending, row.Observation)
		if len(s.pending) == stageBatch {
			s.stageErr = s.stage.Add(s.pending)
			s.pending = s.pending[:0]
		}
	}
}

// staged hands the stage the rows not yet handed to it and returns its first error.
func (s *observationSpill) staged() error {
	if s.stage != nil && s.stageErr == nil && len(s.pending) > 0 {
		s.stageErr = s.stage.Add(s.pending)
		s.pending = s.pending[:0]
	}
	return s.stageErr
}

// Rows reads the rows back in file order (format.RowSpool); the row is reused.
func (s *observationSpill) Rows() iter.Seq2[*format.ObservationRow, error] {
	return func(yield func(*format.ObservationRow, error) bool) {
		i := 0
		for b, err := range s.records() {
			if err != nil {
				yield(nil, err)
				return
			}
			if err := readObservationRow(b, &s.row); err != nil {
				yield(nil, fmt.Errorf("spill: row %d: %w", i, err))
				return
			}
			i++
			if !yield(&s.row, nil) {
				return
			}
		}
	}
}

// batches reads the observations back in file order, each completed by file.Resolve.
func (s *observationSpill) batches(file *format.ObservationFile) iter.Seq2[[]geo.Observation, error] {
	return inBatches(s.spill, func(b []byte, o *geo.Observation) error {
		if err := readObservationRow(b, &s.row); err != nil {
			return err
		}
		*o = s.row.Observation
		file.Resolve(o)
		return nil
	})
}

// appendObservationRow encodes row like appendVillage.
func appendObservationRow(b []byte, row *format.ObservationRow) []byte {
	o := &row.Observation
	b = appendString(b, o.VillageID)
	b = appendString(b, o.Carrier)
	b = binary.AppendVarint(b, int64(o.Technology))
	b = appendBool(b, o.HasSignal)
	b = appendFloat(b, o.RSRPdBm)
	b = appendFloat(b, o.DLMbps)
	b = appendTime(b, o.ObservedAt)
	b = appendString(b, o.Method)
	b = appendFloat(b, o.AreaShare)
	b = appendString(b, o.Source)
	b = appendString(b, o.Inspector)
	b = binary.AppendVarint(b, int64(row.Feature))
	b = appendBool(b, row.OwnCarrier)
	return appendBool(b, row.Inspector)
}

// readObservationRow decodes appendObservationRow's encoding into row, overwriting all of it.
func readObservationRow(b []byte, row *format.ObservationRow) error {
	r := &spillReader{b: b}
	*row = format.ObservationRow{}
	o := &row.Observation
	o.VillageID = r.string()
	o.Carrier = r.string()
	o.Technology = geo.Technology(r.varint())
	o.HasSignal = r.byte() == 1
	o.RSRPdBm = r.optFloat()
	o.DLMbps = r.optFloat()
	o.ObservedAt = r.time()
	o.Method = r.string()
	o.AreaShare = r.optFloat()
	o.Source = r.string()
	o.Inspector = r.string()
	row.Feature = int(r.varint())
	row.OwnCarrier = r.byte() == 1
	row.Inspector = r.byte() == 1
	if r.bad || len(r.b) != 0 {
		return errSpillCorrupt
	}
	return nil
}

func appendFloat(b []byte, f *float64) []byte {
	if f == nil {
		return append(b, 0)
	}
	b = append(b, 1)
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(*f))
}

func (r *spillReader) optFloat() *float64 {
	if r.byte() == 0 {
		return nil
	}
	f := r.float()
	return &f
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// appendVillage encodes v: strings and byte strings length-prefixed, numbers as varints or
// float bits, times as Unix nanoseconds (0 for the zero time), the area as WKB.
func appendVillage(b []byte, v *geo.Village) ([]byte, error) {
	for _, s := range []string{v.ID, v.Name, v.CommuneCode, v.CommuneName, v.ProvinceCode, v.ProvinceName, v.LegacyDistrictCode, v.LegacyCommuneCode} {
		b = appendString(b, s)
	}
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Center[0]))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Center[1]))
	var area []byte
	if v.Area != nil {
		var err error
		if area, err = wkb.Marshal(v.Area); err != nil {
			return nil, fmt.Errorf("village %q: encode area: %w", v.ID, err)
		}
	}
	b = appendString(b, string(area))
	b = appendBool(b, v.GridPower)
	b = appendTime(b, v.GridPowerSince)
	b = binary.AppendVarint(b, int64(v.Households))
	b = binary.AppendUvarint(b, uint64(len(v.Programs)))
	for _, p := range v.Programs {
		b = appendString(b, p)
	}
	b = appendBool(b, v.Baseline)
	b = appendTime(b, v.FoundAt)
	b = appendTime(b, v.Deadline)
	b = binary.AppendUvarint(b, uint64(len(v.Deadlines)))
	for _, k := range slices.Sorted(maps.Keys(v.Deadlines)) {
		b = appendString(b, k)
		b = appendTime(b, v.Deadlines[k])
	}
	b = binary.AppendUvarint(b, uint64(len(v.Predecessors)))
	for _, p := range v.Predecessors {
		b = appendString(b, p)
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = append(b, 1)
	return binary.AppendVarint(b, t.UnixNano())
}

// errSpillCorrupt is returned when a spilled village does not decode (the temporary file was
// changed underneath covmon).
var errSpillCorrupt = errors.New("corrupt record")

// spillReader decodes one record of appendVillage.
type spillReader struct {
	b   []byte
	bad bool
}

func (r *spillReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *spillReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *spillReader) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.bad, r.b = true, nil
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *spillReader) string() string { return string(r.bytes()) }

func (r *spillReader) byte() byte {
	if len(r.b) == 0 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *spillReader) float() float64 {
	if len(r.b) < 8 {
		r.bad, r.b = true, nil
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return f
}

func (r *spillReader) time() time.Time {
	if r.byte() == 0 {
		return time.Time{}
	}
	return time.Unix(0, r.varint()).In(geo.Vietnam)
}

// readVillage decodes appendVillage's encoding into v, overwriting all of it.
func readVillage(b []byte, v *geo.Village) error {
	r := &spillReader{b: b}
	*v = geo.Village{}
	for _, s := range []*string{&v.ID, &v.Name, &v.CommuneCode, &v.CommuneName, &v.ProvinceCode, &v.ProvinceName, &v.LegacyDistrictCode, &v.LegacyCommuneCode} {
		*s = r.string()
	}
	v.Center = orb.Point{r.float(), r.float()}
	if area := r.bytes(); len(area) > 0 {
		g, err := wkb.Unmarshal(area)
		if err != nil {
			return fmt.Errorf("decode area: %w", err)
		}
		v.Area = g
	}
	v.GridPower = r.byte() == 1
	v.GridPowerSince = r.time()
	v.Households = int(r.varint())
	if n := r.uvarint(); n > 0 && n <= uint64(len(r.b)) {
		v.Programs = make([]string, n)
		for i := range v.Programs {
			v.Programs[i] = r.string()
		}
	}
	v.Baseline = r.byte() == 1
	v.FoundAt = r.time()
	v.Deadline = r.time()
	if n := r.uvarint(); n > 0 && n <= uint64(len(r.b)) {
		v.Deadlines = make(map[string]time.Time, n)
		for range n {
			k := r.string()
			v.Deadlines[k] = r.time()
		}
	}
	if n := r.uvarint(); n > 0 && n <= uint64(len(r.b)) {
		v.Predecessors = make([]string, n)
		for i := range v.Predecessors {
			v.Predecessors[i] = r.string()
		}
	}
	if r.bad || len(r.b) != 0 {
		return errSpillCorrupt
	}
	return nil
}
