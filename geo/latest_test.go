package geo_test

import (
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

func TestLatestAt(t *testing.T) {
	hist := []geo.Observation{
		obs("viettel", geo.Tech4G, false, "2021-01-01"),
		obs("mobifone", geo.Tech2G, true, "2021-06-01"),
		obs("viettel", geo.Tech4G, true, "2022-01-01"),
		obs("viettel", geo.Tech3G, true, "2022-01-01"),
		obs("viettel", geo.Tech4G, false, "2023-01-01"),
	}
	ats := []time.Time{day("2020-12-31"), day("2021-01-01"), day("2021-12-31"), day("2022-01-01"), day("2024-01-01")}
	want := []string{
		"[]",
		"[viettel/4g/false@2021-01-01]",
		"[mobifone/2g/true@2021-06-01 viettel/4g/false@2021-01-01]",
		"[mobifone/2g/true@2021-06-01 viettel/3g/true@2022-01-01 viettel/4g/true@2022-01-01]",
		"[mobifone/2g/true@2021-06-01 viettel/3g/true@2022-01-01 viettel/4g/false@2023-01-01]",
	}
	var got []string
	geo.LatestAt(hist, ats, func(i int, latest []geo.Observation) {
		var s []string
		for _, o := range latest {
			s = append(s, fmt.Sprintf("%s/%s/%t@%s", o.Carrier, o.Technology, o.HasSignal, o.ObservedAt.Format(time.DateOnly)))
		}
		sort.Strings(s)
		got = append(got, fmt.Sprint(s))
	})
	if !slices.Equal(got, want) {
		t.Errorf("LatestAt:\n got %q\nwant %q", got, want)
	}
}
