package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
)

// The village list in ID order (every query but a point query) is read as the store streams
// the registry, one village evaluated at a time: a page holds its own villages only, and the
// whole list (no limit) is written to the client as it is evaluated. Neither builds the
// registry in memory, so memory does not grow with the number of villages.

// walkVillages evaluates the villages matching f under q, in ID order, calling fn with each
// that passes vq's filters.
func (s *Server) walkVillages(ctx context.Context, q *query, vq *villageQuery, f geo.VillageFilter, fn func(st *geo.VillageStatus) error) error {
	f.AsKnown = q.asKnown
	return collector.EachStatus(ctx, s.Store, f, q.program, &s.Policy, q.asOf, func(st *geo.VillageStatus) error {
		if _, ok := vq.match(st, q.asOf); !ok {
			return nil
		}
		return fn(st)
	})
}

// defaultMaxVillageStreams is MaxVillageStreams' default: below every store's read pool.
const defaultMaxVillageStreams = 2

// streamSlot takes one of the MaxVillageStreams places of a whole list written while it is
// read; ok false when every one is taken.
func (s *Server) streamSlot() (release func(), ok bool) {
	s.streamsOnce.Do(func() {
		n := s.MaxVillageStreams
		if n <= 0 {
			n = defaultMaxVillageStreams
		}
		s.streams = make(chan struct{}, n)
	})
	select {
	case s.streams <- struct{}{}:
		return func() { <-s.streams }, true
	default:
		return nil, false
	}
}

// cursorID returns the village ID after which the page starts ("" for the first page).
func (vq *villageQuery) cursorID() (string, error) {
	if vq.page.cursor == "" {
		return "", nil
	}
	_, id, err := vq.decodePosition(vq.page.cursor)
	return id, err
}

// errPageFull stops the walk of a page once the village after it is found.
var errPageFull = errors.New("page full")

// pageVillages returns one page in ID order, keeping only the page's villages. The walk stops
// at the first match after the page: number_matched is known (and matched set) only when the
// walk reached the end of the list, so that the first page of a million villages costs the
// page, not the registry; matched is -1 otherwise.
func (s *Server) pageVillages(ctx context.Context, q *query, vq *villageQuery, f geo.VillageFilter) (villagePage, error) {
	var pg villagePage
	after, err := vq.cursorID()
	if err != nil {
		return pg, err
	}
	err = s.walkVillages(ctx, q, vq, f, func(st *geo.VillageStatus) error {
		pg.matched++
		switch {
		case after != "" && st.Village.ID <= after:
		case vq.page.limit == 0 || len(pg.items) < vq.page.limit:
			pg.items = append(pg.items, *st)
		default:
			pg.next = vq.position(0, pg.items[len(pg.items)-1].Village.ID)
			return errPageFull
		}
		return nil
	})
	if errors.Is(err, errPageFull) {
		pg.matched = -1
		err = nil
	}
	if err != nil {
		return pg, fmt.Errorf("status: %w", err)
	}
	return pg, nil
}

// streamVillages writes the whole list (after the cursor, if any) as GeoJSON while the
// villages are evaluated; number_matched and number_returned follow the features. A failure
// after the first byte aborts the response, so a client never takes a cut list for a whole one.
func (s *Server) streamVillages(w http.ResponseWriter, r *http.Request, q *query, vq *villageQuery, f geo.VillageFilter) {
	after, err := vq.cursorID()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	release, ok := s.streamSlot()
	if !ok {
		w.Header().Set("Retry-After", "30")
		s.writeError(w, r, Errorf(ELISTS, "%d whole village lists are being written already; retry later, or read the list in pages (?limit=1000 and next)", cap(s.streams)))
		return
	}
	defer release()
	demo := s.demo()
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	bw := bufio.NewWriterSize(w, 64<<10)
	started := false
	start := func() {
		if !started {
			started = true
			w.WriteHeader(http.StatusOK)
			bw.WriteString(`{"type":"FeatureCollection","features":[`)
		}
	}
	matched, returned := 0, 0
	one := make([]geo.VillageStatus, 1)
	err = s.walkVillages(r.Context(), q, vq, f, func(st *geo.VillageStatus) error {
		start()
		matched++
		if after != "" && st.Village.ID <= after {
			return nil
		}
		one[0] = *st
		b, err := json.Marshal(wire.FeatureCollection(one, q.asOf, demo).Features[0])
		if err != nil {
			return err
		}
		if returned > 0 {
			bw.WriteByte(',')
		}
		returned++
		bw.WriteString("\n")
		_, err = bw.Write(b)
		return err
	})
	if err != nil {
		if !started {
			s.writeError(w, r, fmt.Errorf("status: %w", err))
			return
		}
		s.logger().Error("villages: stream cut short", "err", err)
		panic(http.ErrAbortHandler)
	}
	start()
	fc := wire.FeatureCollection(nil, q.asOf, demo)
	wire.SetView(fc, q.asKnown)
	fc.ExtraMembers["number_matched"] = matched
	fc.ExtraMembers["number_returned"] = returned
	bw.WriteString("\n]")
	keys := make([]string, 0, len(fc.ExtraMembers))
	for k := range fc.ExtraMembers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v, err := json.Marshal(fc.ExtraMembers[k])
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		fmt.Fprintf(bw, ",%q:%s", k, v)
	}
	bw.WriteString("}\n")
	if err := bw.Flush(); err != nil {
		s.logger().Warn("villages: write", "err", err)
	}
}
