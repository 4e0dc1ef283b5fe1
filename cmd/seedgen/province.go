package main

// box is a rough longitude/latitude rectangle in degrees, inside a province.
type box struct {
	MinLon, MaxLon, MinLat, MaxLat float64
}

// span is an inclusive range of pre-2025 district codes.
type span struct{ Lo, Hi int }

// province is one post-2025 province the generator places villages in.
type province struct {
	Code, Name string
	// Villages is how many baseline villages the province gets; the weights favour the far
	// north-west and the central highlands, where the real dead zones were.
	Villages int
	// Boxes are rough rectangles inside the province's real bounding box, one per pre-2025
	// province it merged, biased towards the mountainous side.
	Boxes []box
	// Districts are the pre-2025 district code ranges of the merged provinces.
	Districts []span
	// Style picks the village naming pattern.
	Style nameStyle
}

// provinces lists the provinces in code order. The baseline villages sum to 832.
var provinces = []province{
	{"04", "Cao Bằng", 45, []box{{105.55, 106.65, 22.45, 22.95}}, []span{{40, 53}}, styleNorth},
	{"08", "Tuyên Quang", 80, []box{{104.55, 105.35, 22.50, 23.20}, {105.00, 105.50, 21.80, 22.50}}, []span{{24, 35}, {70, 76}}, styleNorth},
	{"11", "Điện Biên", 85, []box{{102.40, 103.35, 21.10, 22.30}}, []span{{94, 103}}, styleNorth},
	{"12", "Lai Châu", 80, []box{{102.55, 103.75, 21.90, 22.60}}, []span{{105, 112}}, styleNorth},
	{"14", "Sơn La", 90, []box{{103.40, 104.80, 20.80, 21.75}}, []span{{116, 127}}, styleNorth},
	{"15", "Lào Cai", 75, []box{{103.65, 104.40, 22.00, 22.65}, {104.00, 104.75, 21.50, 22.05}}, []span{{80, 89}, {132, 140}}, styleNorth},
	{"19", "Thái Nguyên", 25, []box{{105.55, 106.10, 21.95, 22.60}, {105.60, 106.00, 21.55, 21.95}}, []span{{58, 66}, {164, 173}}, styleNorth},
	{"20", "Lạng Sơn", 30, []box{{106.30, 107.10, 21.55, 22.25}}, []span{{178, 189}}, styleNorth},
	{"25", "Phú Thọ", 25, []box{{104.90, 105.60, 20.45, 20.95}, {104.90, 105.20, 21.05, 21.50}}, []span{{148, 159}, {227, 240}}, styleMuong},
	{"38", "Thanh Hóa", 50, []box{{104.50, 105.40, 19.60, 20.45}}, []span{{380, 407}}, styleCentral},
	{"40", "Nghệ An", 70, []box{{104.00, 105.10, 18.85, 19.75}}, []span{{412, 432}}, styleCentral},
	{"44", "Quảng Trị", 27, []box{{105.80, 106.50, 17.30, 17.95}, {106.55, 106.95, 16.45, 16.95}}, []span{{450, 461}, {464, 474}}, styleCentral},
	{"51", "Quảng Ngãi", 50, []box{{107.55, 108.20, 14.20, 15.20}, {108.35, 108.60, 14.60, 15.10}}, []span{{608, 618}, {522, 537}}, styleHighland},
	{"52", "Gia Lai", 45, []box{{107.80, 108.60, 13.20, 14.30}}, []span{{622, 641}}, styleHighland},
	{"66", "Đắk Lắk", 35, []box{{107.80, 108.70, 12.40, 13.20}}, []span{{643, 657}}, styleBuon},
	{"68", "Lâm Đồng", 20, []box{{107.60, 108.40, 11.50, 12.20}, {107.40, 107.90, 11.90, 12.50}}, []span{{660, 667}, {672, 683}}, styleBon},
}

// foundLaterProvinces are the provinces of the villages found after the baseline list, in the
// order they are generated.
var foundLaterProvinces = []string{"12", "11", "14", "08", "15", "51", "52", "40", "12", "11", "66", "04"}

// provinceByCode returns the province with the code, or nil.
func provinceByCode(code string) *province {
	for i := range provinces {
		if provinces[i].Code == code {
			return &provinces[i]
		}
	}
	return nil
}

// contains reports whether the point lies in one of the province's boxes, widened by pad
// degrees.
func (p *province) contains(lon, lat, pad float64) bool {
	for _, b := range p.Boxes {
		if lon >= b.MinLon-pad && lon <= b.MaxLon+pad && lat >= b.MinLat-pad && lat <= b.MaxLat+pad {
			return true
		}
	}
	return false
}
