package format

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format/internal/scan"
)

// rawFeature is one element of a FeatureCollection's "features", its members kept raw so that
// missing, null and mistyped members can be told apart.
type rawFeature struct {
	Type       json.RawMessage `json:"type"`
	ID         json.RawMessage `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties json.RawMessage `json:"properties"`
	// dup is the first member name found twice in one object anywhere in the feature.
	dup string
}

// featureMembers are the members of a Feature read by exact name (strict.go).
var featureMembers = []string{"type", "id", "geometry", "properties"}

// reset empties f for reuse.
func (f *rawFeature) reset() {
	f.Type, f.ID, f.Geometry, f.Properties, f.dup = nil, nil, nil, nil, ""
}

// collection streams a FeatureCollection: it checks the top-level members itself and hands
// each feature to a format's callback, so memory does not grow with the file beyond results.
type collection struct {
	schema string         // the expected covmon_schema, e.g. "villages/v1"
	kind   geo.UploadKind // the format's kind, the schema name's prefix
	rep    *report
	// feature validates the feature at index i; it is not called once the file is known to
	// be of the wrong schema.
	feature func(i int, f *rawFeature)
	// wantCarrier keeps a top-level "carrier" member (observation files) in carrier; other
	// foreign members are skipped.
	wantCarrier bool
	carrier     json.RawMessage
	sourceRole  json.RawMessage // the top-level "source_role" (observation files)
	// wantEffective keeps a top-level "effective" member (registry files) in effective.
	wantEffective bool
	effective     json.RawMessage

	dec          *json.Decoder
	in           *errReader
	sq           *squeezeReader
	bom          int64 // bytes of byte-order mark skipped
	typ          json.RawMessage
	sawFeatures  bool
	readArray    bool // the features array was read to its end
	wrongSchema  bool
	featureCount int
	topKeys      scan.KeySet
	lx           scan.Lexer
}

// noFeaturesReason is the reason of no_features, the same in every format. An empty file is
// refused rather than stored as an upload: it says nothing about coverage, and counting it
// would keep the stale-data alert quiet (docs/formats.md).
const noFeaturesReason = "the FeatureCollection has no features; an empty file says nothing about coverage and is not stored (send nothing when there is nothing new)"

// errStop unwinds the token loop once the problem limit is exceeded.
var errStop = errors.New("format: problem limit reached")

// errReader remembers the reader's first error other than io.EOF, so that I/O failures are
// returned as errors rather than reported as malformed JSON.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// skipValue is a decode target that discards a JSON value without copying it.
type skipValue struct{}

func (*skipValue) UnmarshalJSON([]byte) error { return nil }

// decode reads the whole collection from r. Problems go to c.rep; the error is non-nil only
// when reading r failed.
func (c *collection) decode(r io.Reader) error {
	c.in = &errReader{r: r}
	br := bufio.NewReaderSize(c.in, 64<<10)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xEF\xBB\xBF")) {
		_, _ = br.Discard(3)
		c.bom = 3
	}
	c.sq = newSqueezeReader(br)
	c.dec = json.NewDecoder(c.sq)
	err := c.body()
	if c.in.err != nil {
		return c.in.err
	}
	switch {
	case err == errStop:
	case err != nil:
		c.jsonProblem(-1, err, -1)
	default:
		c.finish()
	}
	if c.wrongSchema {
		kept := c.rep.problems[:0]
		for _, p := range c.rep.problems {
			if p.Feature < 0 {
				kept = append(kept, p)
			}
		}
		c.rep.problems = kept
	}
	return nil
}

// jsonProblem reports a JSON syntax error or early end of file as not_json. start is the byte
// offset of the value being decoded, or -1 when the error came from the token reader.
func (c *collection) jsonProblem(feature int, err error, start int64) {
	var reason string
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se) && start >= 0:
		reason = fmt.Sprintf("invalid JSON in the feature starting at byte %d: %s", c.sq.fileOffset(start)+c.bom, se.Error())
	case errors.As(err, &se):
		reason = fmt.Sprintf("invalid JSON at byte %d: %s", c.sq.fileOffset(c.dec.InputOffset())+c.bom, se.Error())
	case (err == io.EOF || err == io.ErrUnexpectedEOF) && c.dec.InputOffset() == 0:
		reason = "the file is empty"
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		reason = "the file ends in the middle of the JSON (truncated upload?)"
	default:
		reason = "invalid JSON: " + err.Error()
	}
	c.rep.add(feature, "", "", geo.RuleNotJSON, reason)
}

// body walks the top-level object member by member.
func (c *collection) body() error {
	tok, err := c.dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		c.rep.add(-1, "", "", geo.RuleNotGeoJSON, "want a GeoJSON FeatureCollection object, got "+tokenKind(tok))
		return errStop
	}
	for c.dec.More() {
		tok, err := c.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if err := c.member(key); err != nil {
			return err
		}
	}
	if _, err := c.dec.Token(); err != nil { // '}'
		return err
	}
	if _, err := c.dec.Token(); err != io.EOF {
		if err != nil {
			return err
		}
		c.rep.add(-1, "", "", geo.RuleNotJSON, fmt.Sprintf("more JSON after the FeatureCollection at byte %d", c.sq.fileOffset(c.dec.InputOffset())+c.bom))
		return errStop
	}
	return nil
}

// member handles one top-level member.
func (c *collection) member(key string) error {
	if c.topKeys.Add([]byte(key)) {
		c.rep.add(-1, "", key, geo.RuleDuplicateKey, dupReason(key))
		return c.dec.Decode(&skipValue{})
	}
	switch key {
	case "features":
		c.sawFeatures = true
		return c.features()
	case "type", "crs", "covmon_schema", "carrier", "source_role", "effective":
		if (key == "carrier" || key == "source_role") && !c.wantCarrier || key == "effective" && !c.wantEffective {
			break
		}
		var raw json.RawMessage
		if err := c.dec.Decode(&raw); err != nil {
			return err
		}
		if d := checkDuplicates(raw); d != "" {
			c.rep.add(-1, "", key, geo.RuleDuplicateKey, dupReason(d))
			return nil
		}
		switch key {
		case "type":
			c.typ = raw
		case "crs":
			c.checkCRS(raw)
		case "carrier":
			c.carrier = raw
		case "source_role":
			c.sourceRole = raw
		case "effective":
			c.effective = raw
		default:
			c.checkSchema(raw)
		}
		return nil
	}
	var raw json.RawMessage // a foreign member: read only for the duplicate_key rule
	if err := c.dec.Decode(&raw); err != nil {
		return err
	}
	if d := checkDuplicates(raw); d != "" {
		c.rep.add(-1, "", key, geo.RuleDuplicateKey, dupReason(d))
	}
	return nil
}

// features streams the "features" member.
func (c *collection) features() error {
	tok, err := c.dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('[') {
		c.rep.add(-1, "", "features", geo.RuleNotGeoJSON, "want an array of features, got "+tokenKind(tok))
		return skipRest(c.dec, tok)
	}
	var f rawFeature
	var raw json.RawMessage // reused: its buffer keeps its capacity from feature to feature
	dst := []*json.RawMessage{&f.Type, &f.ID, &f.Geometry, &f.Properties}
	for i := 0; c.dec.More(); i++ {
		start := c.dec.InputOffset()
		f.reset()
		var err error
		raw, err = c.nextValue(raw[:0])
		if err != nil {
			if c.in.err == nil {
				c.jsonProblem(i, err, start)
			}
			return errStop
		}
		if dup, ok := splitObject(&c.lx, raw, featureMembers, dst); !ok {
			c.rep.add(i, "", "", geo.RuleNotGeoJSON, "want a GeoJSON Feature object, got "+jsonKind(raw))
		} else if !c.wrongSchema {
			f.dup = dup
			c.feature(i, &f)
		}
		c.featureCount = i + 1
		if c.rep.full() {
			c.rep.stopped = true
			return errStop
		}
	}
	if _, err = c.dec.Token(); err != nil { // ']'
		return err
	}
	c.readArray = true
	return nil
}

// nextValue reads the next value of the features array, as c.dec.Decode into a
// json.RawMessage would (the same bytes, the same errors), but without encoding/json's second
// pass over the value and its copy: the decoder reads the value and checks its syntax with a
// nil target, and the value's bytes are sliced out of what the squeeze reader passed it. buf is
// used only where that trick is unavailable (decodeNilReads).
func (c *collection) nextValue(buf json.RawMessage) (json.RawMessage, error) {
	if !decodeNilReads() {
		err := c.dec.Decode(&buf)
		return buf, err
	}
	start := c.dec.InputOffset()
	c.sq.trimTee(start)
	if err := c.dec.Decode(noTarget); !isInvalidUnmarshal(err) {
		if err == nil { // cannot happen: a nil target is always refused
			err = errors.New("format: decoding into a nil pointer succeeded")
		}
		return nil, err
	}
	v := c.sq.teeSlice(start, c.dec.InputOffset())
	// The value starts after the ',' separating it from the previous one and any white space.
	for len(v) > 0 && (v[0] == ',' || v[0] == ' ' || v[0] == '\t' || v[0] == '\n' || v[0] == '\r') {
		v = v[1:]
	}
	return v, nil
}

// isInvalidUnmarshal reports whether err is encoding/json's refusal of a nil target (a type
// assertion: errors.As would allocate for every feature).
func isInvalidUnmarshal(err error) bool {
	_, ok := err.(*json.InvalidUnmarshalError)
	return ok
}

// noTarget is the nil target nextValue decodes into.
var noTarget *skipValue

// decodeNilReads reports whether json.Decoder.Decode with a nil pointer reads and checks one whole value
// before refusing the nil target, leaving the decoder after it (encoding/json's v1 decoder
// does; nextValue relies on it and falls back to decoding into a RawMessage otherwise).
var decodeNilReads = sync.OnceValue(func() bool {
	dec := json.NewDecoder(strings.NewReader(`[ {"a":[1,"]"]} ,2]`))
	if _, err := dec.Token(); err != nil {
		return false
	}
	if err := dec.Decode(noTarget); !isInvalidUnmarshal(err) || dec.InputOffset() != 15 {
		return false
	}
	var two int
	return dec.More() && dec.Decode(&two) == nil && two == 2 && !dec.More()
})

// skipRest discards the rest of a value whose first token was tok.
func skipRest(dec *json.Decoder, tok json.Token) error {
	depth := 0
	for {
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				depth++
			default:
				depth--
			}
		}
		if depth == 0 {
			return nil
		}
		var err error
		if tok, err = dec.Token(); err != nil {
			return err
		}
	}
}

// tokenKind names the JSON type of the value that begins with tok.
func tokenKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "array"
		}
		return "object"
	case string:
		return "string " + quote(t)
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

// finish runs the checks that need the whole top level: "type" and "features" present.
func (c *collection) finish() {
	typ, ok := decodeString(c.typ)
	switch {
	case len(c.typ) == 0:
		c.rep.add(-1, "", "type", geo.RuleNotGeoJSON, `missing "type": "FeatureCollection"`)
	case !ok || typ != "FeatureCollection":
		c.rep.add(-1, "", "type", geo.RuleNotGeoJSON, `want "FeatureCollection", got `+describe(c.typ))
		return // a lone Feature or geometry: "features" missing says nothing more
	}
	if !c.sawFeatures {
		c.rep.add(-1, "", "features", geo.RuleNotGeoJSON, `missing "features" array`)
	}
	if c.readArray && c.featureCount == 0 && len(c.rep.problems) == 0 {
		c.rep.add(-1, "", "features", geo.RuleNoFeatures, noFeaturesReason)
	}
}
