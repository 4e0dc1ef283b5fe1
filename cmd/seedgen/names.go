package main

import (
	"fmt"
	"math/rand/v2"
)

// nameStyle is a regional naming pattern for villages and communes. The syllables are common
// in place names of each region; the combinations are random, so the names are plausible but
// made up.
type nameStyle int

const (
	styleNorth    nameStyle = iota // Thái, H'Mông, Tày, Nùng: "Bản Nà Khoang"
	styleMuong                     // Mường: "Xóm Rộc Chiềng"
	styleCentral                   // Thái, Khơ Mú, Vân Kiều: "Bản Huồi Pựng"
	styleHighland                  // Xơ Đăng, Ba Na, Gia Rai: "Làng Plei Ktu", "Thôn 3 Đăk Rơ"
	styleBuon                      // Ê Đê: "Buôn Ea Kpal"
	styleBon                       // M'Nông, Cơ Ho: "Bon Bu Prâng"
)

// syllables holds, per style, the village words and the two syllable lists.
var syllables = map[nameStyle]struct {
	words       []string
	first, last []string
}{
	styleNorth: {
		[]string{"Bản", "Bản", "Bản", "Thôn"},
		[]string{"Nà", "Nậm", "Huổi", "Pá", "Phiêng", "Khau", "Co", "Pù", "Tả", "Sín", "Lũng", "Mường", "Hua", "Sìn", "Khuổi", "Bó", "Pác", "Cốc", "Nặm", "Lao"},
		[]string{"Khoang", "Pục", "Lình", "Chải", "Mế", "Cang", "Sáng", "Lếch", "Chang", "Cuổi", "Phát", "Hịa", "Tấu", "Mòn", "Sảng", "Thẳm", "Vạc", "Dền", "Pao", "Luông", "Chà", "Hỏm", "Cượm", "Ten"},
	},
	styleMuong: {
		[]string{"Xóm", "Xóm", "Thôn"},
		[]string{"Mùn", "Sưng", "Bái", "Đồng", "Khụ", "Trám", "Mít", "Rộc", "Vó", "Khú"},
		[]string{"Luông", "Chiềng", "Cọ", "Bưng", "Đá", "Tre", "Mới", "Bằng", "Khang", "Thượng"},
	},
	styleCentral: {
		[]string{"Bản", "Bản", "Thôn"},
		[]string{"Na", "Piêng", "Huồi", "Xiêng", "Cà", "Mọoc", "Tà", "Lả", "Khe", "Cóc", "Ka", "Ra"},
		[]string{"Lầu", "Tạt", "Pủng", "Khạng", "Nọi", "Ca", "Pựng", "Coọc", "Lướt", "Vao", "Ly", "Bai", "Tăng"},
	},
	styleHighland: {
		[]string{"Làng", "Làng", "Thôn"},
		[]string{"Plei", "Kon", "Đăk", "Ia", "Tơ", "Đăk", "Plei"},
		[]string{"Rơ", "Ktu", "Mơ Nang", "Brêng", "Tu", "Jar", "Klăh", "Drông", "Bơ", "Lang", "Xiêng", "Sa", "Mrông", "Pờ Tó", "Kơ Ne"},
	},
	styleBuon: {
		[]string{"Buôn", "Buôn", "Thôn"},
		[]string{"Ea", "Cư", "Krông", "Drai", "Tơng", "Ko"},
		[]string{"Sup", "Kpal", "Nuôl", "Jang", "Drơng", "Bhốk", "Ktur", "Blang", "Mnang", "Hleo", "Pắc"},
	},
	styleBon: {
		[]string{"Bon", "Bon", "Thôn"},
		[]string{"Bu", "Đăk", "Liêng", "Păng", "Rơ", "Ka"},
		[]string{"Prâng", "Sơr", "Rlơm", "Jang", "Tiêng", "Dơng", "Nor", "Srê", "Đơn", "Krái"},
	},
}

// villageName returns a made-up village name in the style, e.g. "Bản Nà Khoang" or, for a
// numbered highland hamlet, "Thôn 3 Plei Ktu".
func villageName(rng *rand.Rand, s nameStyle) string {
	sy := syllables[s]
	word := pick(rng, sy.words)
	stem := pick(rng, sy.first) + " " + pick(rng, sy.last)
	if word == "Thôn" && rng.IntN(2) == 0 {
		return fmt.Sprintf("Thôn %d %s", 1+rng.IntN(12), stem)
	}
	return word + " " + stem
}

// communeName returns a made-up commune name in the style, e.g. "Xã Nậm Chà".
func communeName(rng *rand.Rand, s nameStyle) string {
	sy := syllables[s]
	return "Xã " + pick(rng, sy.first) + " " + pick(rng, sy.last)
}

// pick returns a random element of list.
func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }
