package geo

import (
	"slices"
	"sort"
	"time"
)

// Unit levels of a crosswalk row.
const (
	LevelProvince = "province"
	LevelCommune  = "commune"
)

// CrosswalkRow says that, from Effective on, (part of) the old unit OldCode belongs to the new
// unit NewCode. Several rows with one NewCode are a merge (many-to-one); several rows with
// one OldCode are a split (one-to-many), where Share, when set (0 < Share ≤ 1), is the part
// of the old unit that went to this new one. A unit that continues unchanged across a reform
// has a row mapping it to itself, so the crosswalk lists every unit in force on both sides.
//
// Commune rows also carry the provinces of both communes (OldProvince, NewProvince). Province
// rows leave them empty.
type CrosswalkRow struct {
	Level       string
	Effective   time.Time
	OldCode     string
	OldName     string
	NewCode     string
	NewName     string
	OldProvince string
	NewProvince string
	Share       float64 // 0: not given
}

// Unit is an administrative unit at some date: a province and, when known, a commune.
type Unit struct {
	ProvinceCode, ProvinceName string
	CommuneCode, CommuneName   string
}

// Crosswalk answers which units a village belonged to at a date. Build it with NewCrosswalk.
type Crosswalk struct {
	// reforms are the effective dates, newest first.
	reforms []time.Time
	// byNew[level][effective][newCode] lists the rows of the new unit.
	byNew map[string]map[int64]map[string][]CrosswalkRow
	// byPair[effective][old+"→"+new] is the commune row (for a village's legacy code).
	byPair map[int64]map[string]CrosswalkRow
}

// NewCrosswalk indexes rows.
func NewCrosswalk(rows []CrosswalkRow) *Crosswalk {
	c := &Crosswalk{byNew: map[string]map[int64]map[string][]CrosswalkRow{}, byPair: map[int64]map[string]CrosswalkRow{}}
	seen := map[int64]bool{}
	for _, r := range rows {
		e := r.Effective.UnixMilli()
		if !seen[e] {
			seen[e] = true
			c.reforms = append(c.reforms, r.Effective)
		}
		if c.byNew[r.Level] == nil {
			c.byNew[r.Level] = map[int64]map[string][]CrosswalkRow{}
		}
		if c.byNew[r.Level][e] == nil {
			c.byNew[r.Level][e] = map[string][]CrosswalkRow{}
		}
		c.byNew[r.Level][e][r.NewCode] = append(c.byNew[r.Level][e][r.NewCode], r)
		if r.Level == LevelCommune {
			if c.byPair[e] == nil {
				c.byPair[e] = map[string]CrosswalkRow{}
			}
			c.byPair[e][r.OldCode+"→"+r.NewCode] = r
		}
	}
	sort.Slice(c.reforms, func(i, j int) bool { return c.reforms[i].After(c.reforms[j]) })
	return c
}

// Empty reports whether the crosswalk has no rows.
func (c *Crosswalk) Empty() bool { return c == nil || len(c.reforms) == 0 }

// UnitAt returns the unit village v belonged to at instant at. The registry holds today's
// units; each reform effective after at is undone, newest first:
//
//   - the commune: the village's legacy commune code when the crosswalk maps it to the
//     village's commune at that reform; otherwise the sole old commune of its commune, if
//     there is one (a commune merged from several, with no legacy code, leaves the commune
//     unknown);
//   - the province: the old commune's province when the commune is known or all the old
//     communes of its commune lie in one province; otherwise the sole old province of its
//     province.
//
// When none of these settles the province, ok is false: covmon does not guess which old
// province a village of a merged province was in (the caller reports it as unresolved).
// A village whose units no reform after at touched keeps its units.
func (c *Crosswalk) UnitAt(v *Village, at time.Time) (u Unit, ok bool) {
	u = Unit{ProvinceCode: v.ProvinceCode, ProvinceName: v.ProvinceName, CommuneCode: v.CommuneCode, CommuneName: v.CommuneName}
	if c == nil {
		return u, true
	}
	legacy := v.LegacyCommuneCode
	for _, eff := range c.reforms {
		if !eff.After(at) {
			break
		}
		e := eff.UnixMilli()
		prov, commune, known := "", "", false
		communeName, provName := "", ""
		if r, hit := c.byPair[e][legacy+"→"+u.CommuneCode]; legacy != "" && hit {
			commune, communeName, prov, known = r.OldCode, r.OldName, r.OldProvince, true
		} else if rows := c.byNew[LevelCommune][e][u.CommuneCode]; len(rows) > 0 {
			provs := distinct(rows, func(r CrosswalkRow) string { return r.OldProvince })
			if len(provs) == 1 {
				prov = provs[0]
			}
			if len(rows) == 1 {
				commune, communeName, known = rows[0].OldCode, rows[0].OldName, true
			}
		}
		provRows := c.byNew[LevelProvince][e][u.ProvinceCode]
		if prov == "" {
			olds := distinct(provRows, func(r CrosswalkRow) string { return r.OldCode })
			if len(olds) == 1 {
				prov = olds[0]
			}
		}
		touched := len(provRows) > 0 || len(c.byNew[LevelCommune][e][u.CommuneCode]) > 0
		if !touched {
			continue // this reform did not concern the village's units
		}
		if prov == "" {
			return Unit{}, false
		}
		for _, r := range provRows {
			if r.OldCode == prov {
				provName = r.OldName
			}
		}
		if provName == "" && prov == u.ProvinceCode {
			provName = u.ProvinceName
		}
		u.ProvinceCode, u.ProvinceName = prov, provName
		if known {
			u.CommuneCode, u.CommuneName = commune, communeName
		} else {
			u.CommuneCode, u.CommuneName = "", ""
		}
		legacy = "" // a legacy code speaks of the newest reform only
	}
	return u, true
}

func distinct(rows []CrosswalkRow, key func(CrosswalkRow) string) []string {
	var out []string
	for _, r := range rows {
		if k := key(r); !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// Unresolved is the province code under which a report at a past geography lists the villages
// whose province at that date the crosswalk cannot tell.
const Unresolved = "??"

// InGeography returns a copy of sts in which each village carries the units in force at
// instant at (see UnitAt); a village whose province at that date is unknown carries province
// Unresolved. Only the copies' Village pointers change: the statuses and counts are the same,
// so the national figures are equal under every geography. A nil or empty crosswalk returns
// sts unchanged.
func (c *Crosswalk) InGeography(sts []VillageStatus, at time.Time) []VillageStatus {
	if c.Empty() {
		return sts
	}
	out := make([]VillageStatus, len(sts))
	for i, st := range sts {
		out[i] = st
		u, ok := c.UnitAt(st.Village, at)
		if !ok {
			u = Unit{ProvinceCode: Unresolved, ProvinceName: "chưa xác định (unresolved)"}
		}
		v0 := st.Village
		if u == (Unit{v0.ProvinceCode, v0.ProvinceName, v0.CommuneCode, v0.CommuneName}) {
			continue
		}
		v := *st.Village
		v.ProvinceCode, v.ProvinceName, v.CommuneCode, v.CommuneName = u.ProvinceCode, u.ProvinceName, u.CommuneCode, u.CommuneName
		out[i].Village = &v
	}
	return out
}
