package httpapi_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/httpapi"
	"github.com/covmon/covmon/geo"
)

// countingStore counts the villages the store hands to the API's walks.
type countingStore struct {
	httpapi.Store
	villages int
}

func (c *countingStore) EachVillageLatest(ctx context.Context, asOf time.Time, upTo int64, f geo.VillageFilter, fn func(v *geo.Village, latest []geo.Observation) error) error {
	return c.Store.EachVillageLatest(ctx, asOf, upTo, f, func(v *geo.Village, latest []geo.Observation) error {
		c.villages++
		return fn(v, latest)
	})
}

// A page of villages reads the page and the one village that tells there is a next page,
// not the registry: the first page of a million villages costs a page. The last page reads
// to the end of the list and counts the matches.
func TestVillages_PageReadsItsVillages(t *testing.T) {
	_, api := newGridAPI(t) // 10 villages, Q-0 … Q-9
	cs := &countingStore{Store: api.Store}
	api.Store = cs
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)

	var fc fcDoc
	getDoc(t, srv.URL+"/api/v1/villages?limit=3", &fc)
	if got := ids(fc); got != "Q-0 Q-1 Q-2" || fc.Next == "" {
		t.Fatalf("first page: %s, next %q", got, fc.Next)
	}
	if cs.villages != 4 {
		t.Errorf("first page of 3 read %d villages from the store, want 4 (the page and the next one)", cs.villages)
	}
	cs.villages = 0
	getDoc(t, srv.URL+"/api/v1/villages?limit=3&program=vls-2024", &fc)
	if cs.villages != 4 {
		t.Errorf("first page of 3 of a program read %d villages, want 4", cs.villages)
	}
	cs.villages = 0
	fc = fcDoc{}
	getDoc(t, srv.URL+"/api/v1/villages?limit=20", &fc)
	if fc.Returned != 10 || fc.Matched != 10 || fc.Next != "" || cs.villages != 10 {
		t.Errorf("whole list in one page: returned %d, matched %d, next %q, read %d villages; want 10, 10, none, 10",
			fc.Returned, fc.Matched, fc.Next, cs.villages)
	}
}
