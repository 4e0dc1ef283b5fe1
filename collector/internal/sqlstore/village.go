package sqlstore

import (
	"context"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/cover"
)

// VillageShapes runs query (id, lon, lat, area as WKB or NULL, ordered by id) through q and
// returns the IDs with their centres and settled areas.
func VillageShapes(ctx context.Context, q Querier, query string, args ...any) ([]string, []cover.VillageShape, error) {
	var (
		ids    []string
		shapes []cover.VillageShape
	)
	err := Each(ctx, q, func(r Row) error {
		var (
			id       string
			lon, lat float64
			area     []byte
		)
		if err := r.Scan(&id, &lon, &lat, &area); err != nil {
			return err
		}
		s := cover.VillageShape{Center: orb.Point{lon, lat}}
		if len(area) > 0 {
			var err error
			if s.Area, err = wkb.Unmarshal(area); err != nil {
				return fmt.Errorf("%s: area: %w", id, err)
			}
		}
		ids = append(ids, id)
		shapes = append(shapes, s)
		return nil
	}, query, args...)
	if err != nil {
		return nil, nil, err
	}
	return ids, shapes, nil
}

// ScanVillagePlace reads id, province_code, commune_code.
func ScanVillagePlace(s Row) (geo.VillagePlace, error) {
	var p geo.VillagePlace
	err := s.Scan(&p.ID, &p.ProvinceCode, &p.CommuneCode)
	return p, err
}

// ScanSuccession reads predecessor, successor, effective, upload_id.
func ScanSuccession(s Row) (geo.Succession, error) {
	var (
		sc  geo.Succession
		eff int64
	)
	if err := s.Scan(&sc.Predecessor, &sc.Successor, &eff, &sc.UploadID); err != nil {
		return geo.Succession{}, err
	}
	sc.Effective = Time(eff)
	return sc, nil
}
