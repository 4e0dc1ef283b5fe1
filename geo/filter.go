package geo

// VillageFilter narrows a village query. Zero fields do not filter.
type VillageFilter struct {
	ProvinceCode string
	ProgramID    string
	IDs          []string
	// Name keeps the villages whose name or commune name contains every word of it, ignoring
	// case and diacritics (the rule of NameMatches): "ban khoang" finds "Bản Khoang".
	Name string
}

// SearchKey is the text a Name filter searches for village v: its folded name and commune name.
func SearchKey(name, communeName string) string {
	return Fold(name) + " | " + Fold(communeName)
}
