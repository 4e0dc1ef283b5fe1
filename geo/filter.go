package geo

// VillageFilter narrows a village query. Zero fields do not filter.
type VillageFilter struct {
	ProvinceCode string
	ProgramID    string
	IDs          []string
}
