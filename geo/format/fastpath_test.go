package format

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/covmon/covmon/geo"
)

// pointCases are Point coordinates, plain and tricky: pointFast must agree with json.Unmarshal
// on every one it accepts, and refuse what it cannot read exactly.
var pointCases = []string{
	`[105.8,21.0]`, `[ 105.8 , 21.0 ]`, "[\n\t105.8,\r\n21.0\n]", `[105.8,21.0,12]`, `[-0,0]`,
	`[1e2,-1E-2]`, `[1.5e+3,2.25E-300]`, `[0.1,0.2,0.3]`, `[123456789012345678901234567890,1]`,
	`[1.7976931348623157e308,4.9e-324]`, `[2e-400,1]`, `[1e400,1]`, `[-1e400,1]`,
	`[105.8]`, `[]`, `[1,2,3,4]`, `[01,2]`, `[1.,2]`, `[.5,2]`, `[1e,2]`, `[+1,2]`, `[1,,2]`,
	`[1,2,]`, `[1 2]`, `["1",2]`, `[1,null]`, `[1,2]x`, `[1,2`, `{"a":1}`, `1`, `[-,1]`, `[1e+,2]`,
	`[NaN,1]`, `[Infinity,1]`, `[0x10,1]`, ` [1,2] `,
}

func TestPointFast(t *testing.T) {
	accepted := 0
	for _, in := range pointCases {
		var arr [3]float64
		got, ok := pointFast([]byte(in), &arr)
		var want []float64
		err := json.Unmarshal([]byte(in), &want)
		if !ok {
			continue
		}
		accepted++
		if err != nil {
			t.Errorf("pointFast(%s) = %v, but json.Unmarshal fails: %v", in, got, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("pointFast(%s) = %v, json.Unmarshal %v", in, got, want)
		}
	}
	if accepted < 10 {
		t.Errorf("pointFast took only %d cases", accepted)
	}
	for _, in := range []string{`[105.8]`, `[]`, `[1,2,3,4]`, `[01,2]`, `[1,2]x`, `[1e400,1]`, `["1",2]`} {
		if _, ok := pointFast([]byte(in), new([3]float64)); ok {
			t.Errorf("pointFast(%s) accepted", in)
		}
	}
}

// TestDecodeStringInterned: a known word comes back the same whether interned or copied, and
// escapes still go through the general path ("\u0076iettel" is "viettel").
func TestDecodeStringInterned(t *testing.T) {
	for in, want := range map[string]string{
		`"viettel"`: "viettel", `"\u0076iettel"`: "viettel", `"4g"`: "4g", `"4G"`: "4G",
		`"drive_test"`: "drive_test", `"Point"`: "Point", `"VietteL"`: "VietteL", `"VN-000001"`: "VN-000001",
		`"Feature"`: "Feature", `"carrier"`: geo.SourceCarrier, `"\"viettel\""`: `"viettel"`,
	} {
		got, ok := decodeString([]byte(in))
		if !ok || got != want {
			t.Errorf("decodeString(%s) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for w, c := range internedStrings {
		if w != c || geo.NFC(w) != w {
			t.Errorf("interned %q -> %q", w, c)
		}
	}
}

// TestFeatureReportDecodeReuse: the village ID is reused only for the very same bytes.
func TestFeatureReportDecodeReuse(t *testing.T) {
	d := &decoder{rep: &report{}}
	raw := []byte(`"VN-000001"`)
	var f featureReport
	d.initFeatureReport(&f, 3, raw)
	if f.villageID != "VN-000001" || f.index != 3 {
		t.Fatalf("report %+v", f)
	}
	if s, ok := f.decode(raw); !ok || s != "VN-000001" {
		t.Errorf("decode(same) = %q, %v", s, ok)
	}
	other := []byte(`"VN-000002"`)
	if s, ok := f.decode(other); !ok || s != "VN-000002" {
		t.Errorf("decode(other) = %q, %v", s, ok)
	}
	if s, _ := f.decode(raw[:5]); s == "VN-000001" {
		t.Errorf("decode(prefix) reused the village ID")
	}
}

// TestNextValueSameBytes: the features cut by nextValue are the bytes json.Decoder.Decode
// gives a json.RawMessage, whatever the white space, separators, strings with brackets and
// lengths across the readers' buffers (and runs of blanks the squeeze reader drops).
func TestNextValueSameBytes(t *testing.T) {
	if !decodeNilReads() {
		t.Fatal("this Go's encoding/json does not read a value for a nil target: nextValue takes its slow path")
	}
	var b strings.Builder
	b.WriteString(`[`)
	for i := range 3000 {
		if i > 0 {
			b.WriteString(strings.Repeat(" ", i%7) + "," + strings.Repeat("\n", i%3))
		}
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, `{"type":"Feature","properties":{"s":"a]}\"[{ %d"}}`, i)
		case 1:
			fmt.Fprintf(&b, `{ "x" : [ %d , {"y":"%s"} ] }`, i, strings.Repeat("é", i))
		case 2:
			fmt.Fprintf(&b, `%d`, i)
		case 3:
			fmt.Fprintf(&b, `"s%d\\"`, i)
		default:
			fmt.Fprintf(&b, `{"blank":[1,%s2]}`, strings.Repeat(" ", 5000+i))
		}
	}
	b.WriteString("\t]")
	in := b.String()

	want := json.NewDecoder(strings.NewReader(in))
	c := &collection{sq: newSqueezeReader(strings.NewReader(in))}
	c.dec = json.NewDecoder(c.sq)
	for _, d := range []*json.Decoder{want, c.dec} {
		if _, err := d.Token(); err != nil {
			t.Fatal(err)
		}
	}
	var buf json.RawMessage
	n := 0
	for want.More() {
		if !c.dec.More() {
			t.Fatalf("value %d: nextValue's decoder ended early", n)
		}
		var w json.RawMessage
		if err := want.Decode(&w); err != nil {
			t.Fatal(err)
		}
		got, err := c.nextValue(buf[:0])
		if err != nil {
			t.Fatalf("value %d: %v", n, err)
		}
		if !bytes.Equal(bytes.TrimSpace(got), got) || !bytes.Equal(squeezeBlanks(w), got) {
			t.Fatalf("value %d: got %q, want %q", n, got, w)
		}
		n++
	}
	if n != 3000 || c.dec.More() {
		t.Fatalf("read %d values", n)
	}
}

// squeezeBlanks drops what squeezeReader drops: blanks beyond maxBlankRun in a row outside
// strings (the test's strings have none).
func squeezeBlanks(b []byte) []byte {
	var out []byte
	run := 0
	for _, c := range b {
		if c == ' ' {
			run++
			if run > maxBlankRun {
				continue
			}
		} else {
			run = 0
		}
		out = append(out, c)
	}
	return out
}
