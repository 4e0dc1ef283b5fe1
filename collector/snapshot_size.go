package collector

import (
	"unsafe"

	"github.com/covmon/covmon/geo"
)

// SnapshotBytes accounts, deterministically, for the memory a snapshot holds: the size of
// every struct, slice array and map entry it reaches, and the bytes of every string, each
// string and village counted once however many references share it (the store hands out one
// copy of each province, commune and carrier name). It is not what the Go runtime reports
// (no allocator rounding, no map buckets), but it grows exactly as the snapshot does, which is
// what a test of a bound per village needs.
func SnapshotBytes(s *geo.Snapshot) int {
	a := sizer{seen: map[*byte]bool{}, villages: map[*geo.Village]bool{}}
	n := int(unsafe.Sizeof(*s))
	n += cap(s.Programs) * int(unsafe.Sizeof(geo.ProgramState{}))
	for i := range s.Programs {
		ps := &s.Programs[i]
		n += a.counts(&ps.Summary)
		n += cap(ps.Open) * int(unsafe.Sizeof(geo.VillageStatus{}))
		for j := range ps.Open {
			n += a.status(&ps.Open[j])
		}
		n += cap(ps.Discrepant) * int(unsafe.Sizeof(geo.VillageStatus{}))
		for j := range ps.Discrepant {
			n += a.status(&ps.Discrepant[j])
		}
		n += cap(ps.Regressed) * int(unsafe.Sizeof(""))
		for _, id := range ps.Regressed {
			n += a.str(id)
		}
		n += cap(ps.History) * int(unsafe.Sizeof(geo.DailyFigure{}))
	}
	n += cap(s.CarrierTech) * int(unsafe.Sizeof(geo.CarrierTech{}))
	n += cap(s.Uploads) * int(unsafe.Sizeof(geo.UploadStat{}))
	n += cap(s.Problems) * int(unsafe.Sizeof(geo.RuleCount{}))
	return n
}

type sizer struct {
	seen     map[*byte]bool
	villages map[*geo.Village]bool
}

func (a *sizer) str(s string) int {
	if len(s) == 0 || a.seen[unsafe.StringData(s)] {
		return 0
	}
	a.seen[unsafe.StringData(s)] = true
	return len(s)
}

func (a *sizer) strs(ss []string) int {
	n := cap(ss) * int(unsafe.Sizeof(""))
	for _, s := range ss {
		n += a.str(s)
	}
	return n
}

func (a *sizer) status(st *geo.VillageStatus) int {
	n := a.strs(st.CarriersWithSignal) + a.strs(st.CarriersReported) + a.str(st.Responsible)
	n += cap(st.Claims) * int(unsafe.Sizeof(geo.ClaimEvidence{}))
	for _, c := range st.Claims {
		n += a.obs(&c.Claim)
		if c.Confirmation != nil {
			n += int(unsafe.Sizeof(*c.Confirmation)) + a.obs(c.Confirmation)
		}
	}
	n += cap(st.Discrepancies) * int(unsafe.Sizeof(geo.Discrepancy{}))
	for i := range st.Discrepancies {
		d := &st.Discrepancies[i]
		n += a.str(d.Carrier) + a.str(string(d.Kind)) + a.obs(&d.Claim) + a.obs(&d.Measurement)
		if d.Reclaim != nil {
			n += int(unsafe.Sizeof(*d.Reclaim)) + a.obs(d.Reclaim)
		}
	}
	if p := st.Lifecycle.Plan; p != nil {
		n += int(unsafe.Sizeof(*p)) + a.str(p.VillageID) + a.str(p.ProgramID) + a.str(p.Carrier) + a.str(p.SiteID) + a.str(string(p.Progress))
	}
	v := st.Village
	if v == nil || a.villages[v] {
		return n
	}
	a.villages[v] = true
	n += int(unsafe.Sizeof(*v))
	for _, s := range []string{v.ID, v.Name, v.CommuneCode, v.CommuneName, v.ProvinceCode, v.ProvinceName, v.LegacyDistrictCode, v.LegacyCommuneCode} {
		n += a.str(s)
	}
	n += a.strs(v.Programs)
	for k := range v.Deadlines {
		n += a.str(k) + int(unsafe.Sizeof("")+unsafe.Sizeof(v.Deadline))
	}
	if v.Area != nil {
		n += 1 << 20 // a snapshot never holds areas: make it show
	}
	return n
}

// obs counts the strings an observation holds (its struct is counted where it lies).
func (a *sizer) obs(o *geo.Observation) int {
	n := a.str(o.VillageID) + a.str(o.Carrier) + a.str(o.Method) + a.str(o.Source) + a.str(o.Inspector)
	for _, f := range []*float64{o.RSRPdBm, o.DLMbps, o.AreaShare} {
		if f != nil {
			n += 8
		}
	}
	if o.ClaimInForce != nil {
		n += int(unsafe.Sizeof(*o.ClaimInForce)) + a.obs(o.ClaimInForce)
	}
	return n
}

func (a *sizer) counts(s *geo.Summary) int {
	n := cap(s.Provinces) * int(unsafe.Sizeof(geo.ProvinceCounts{}))
	for i := range s.Provinces {
		n += a.str(s.Provinces[i].ProvinceCode) + a.str(s.Provinces[i].ProvinceName) + cap(s.Provinces[i].WithSignal)*8
	}
	n += cap(s.Responsible) * int(unsafe.Sizeof(geo.ResponsibleCounts{}))
	for i := range s.Responsible {
		n += cap(s.Responsible[i].WithSignal) * 8
	}
	return n + cap(s.National.WithSignal)*8
}
