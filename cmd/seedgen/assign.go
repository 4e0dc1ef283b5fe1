package main

import (
	"strconv"
	"strings"

	"github.com/covmon/covmon/geo"
)

// assignedOn is when the ministry assigned the baseline villages to carriers (synthetic).
var assignedOn = date(2021, 12, 15)

// assign makes the synthetic responsible carriers, without randomness (so adding them left
// the rest of the story as it was): each province's villages go to one carrier, taking the
// four carriers in turn over the provinces in code order, as a ministry splits a program by
// region; every 17th village stays unassigned (chưa giao), and a village found later is
// assigned 90 days after it was found unless its number is odd.
func assign(vs []geo.Village) []geo.Assignment {
	byProvince := map[string]string{}
	for i, p := range provinces {
		byProvince[p.Code] = geo.DefaultCarriers[i%len(geo.DefaultCarriers)]
	}
	prog := geo.DefaultProgram().ID
	var out []geo.Assignment
	for _, v := range vs {
		_, num, _ := strings.Cut(v.ID, "-")
		n, _ := strconv.Atoi(num)
		at := assignedOn
		switch {
		case n%17 == 0:
			continue
		case !v.Baseline && n%2 == 1:
			continue
		case !v.Baseline:
			at = v.FoundAt.AddDate(0, 0, 90)
		}
		out = append(out, geo.Assignment{VillageID: v.ID, ProgramID: prog, Carrier: byProvince[v.ProvinceCode], AssignedAt: at})
	}
	return out
}

// assignmentFeature is one assignments/v1 feature.
type assignmentFeature struct {
	Type       string          `json:"type"`
	Geometry   *geometry       `json:"geometry"`
	Properties assignmentProps `json:"properties"`
}

type assignmentProps struct {
	VillageID  string `json:"village_id"`
	Program    string `json:"program"`
	Carrier    string `json:"carrier"`
	AssignedAt string `json:"assigned_at"`
}

// encodeAssignments writes assignments.geojson.
func encodeAssignments(as []geo.Assignment) ([]byte, error) {
	features := make([]any, len(as))
	for i, a := range as {
		features[i] = assignmentFeature{Type: "Feature", Properties: assignmentProps{
			VillageID: a.VillageID, Program: a.ProgramID, Carrier: a.Carrier, AssignedAt: day(a.AssignedAt)}}
	}
	return collection([]string{"covmon_schema", "assignments/v1", "notice", notice}, features)
}
