package scan

import (
	"math"
	"strconv"
)

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// Number reads a JSON number. Numbers with at most 15 significant digits and a small exponent
// (every coordinate a planning tool writes) take an exact fast path: one integer-to-float
// conversion and one exact multiply or divide, which is correctly rounded (Clinger 1990).
// Others go to strconv.ParseFloat. Out-of-range values become ±Inf.
func (l *Lexer) Number() float64 {
	l.SkipSpace()
	b := l.B
	i := l.Pos
	start := i
	neg := false
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	var mant uint64
	nd, exp := 0, 0
	exact := true
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if nd < 19 {
				mant = mant*10 + uint64(b[i]-'0')
				nd++
			} else {
				exp++
				exact = false
			}
		}
	default:
		l.Pos = i
		l.Fail("invalid number")
		return 0
	}
	if i < len(b) && b[i] == '.' {
		i++
		d0 := i
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if nd < 19 {
				mant = mant*10 + uint64(b[i]-'0')
				if mant != 0 {
					nd++
				}
				exp--
			} else {
				exact = false
			}
		}
		if i == d0 {
			l.Pos = i
			l.Fail("invalid number: no digits after '.'")
			return 0
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		d0, e := i, 0
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if e < 100000 {
				e = e*10 + int(b[i]-'0')
			}
		}
		if i == d0 {
			l.Pos = i
			l.Fail("invalid number: no digits in exponent")
			return 0
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	l.Pos = i
	if exact && nd <= 15 && exp >= -22 && exp <= 22 {
		f := float64(mant)
		if exp < 0 {
			f /= pow10[-exp]
		} else {
			f *= pow10[exp]
		}
		if neg {
			f = -f
		}
		return f
	}
	f, err := strconv.ParseFloat(string(b[start:i]), 64)
	if err != nil && !math.IsInf(f, 0) {
		l.Fail("invalid number")
	}
	return f
}
