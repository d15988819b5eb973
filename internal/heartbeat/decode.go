package heartbeat

import (
	"errors"
	"math"
	"strconv"
	"unsafe"
)

// MaxBody bounds a heartbeat body.
const MaxBody = 4 << 10

// Decode errors.
var (
	ErrMalformed = errors.New("heartbeat: body is not a JSON object")
	ErrTooLarge  = errors.New("heartbeat: body too large")
)

// Decode reads a heartbeat body: an empty body, or a JSON object with
// optional "battery" (percent), "lat" and "lon" (degrees). Odd values are
// dropped rather than refused, since the heartbeat itself is what matters;
// only a body that is not a JSON object is refused. It allocates nothing,
// because every device calls it every interval.
func Decode(body []byte) (Beat, error) {
	b := Beat{Battery: -1}
	if len(body) > MaxBody {
		return b, ErrTooLarge
	}
	p := parser{s: body}
	p.ws()
	if p.i == len(p.s) {
		return b, nil
	}
	if !p.eat('{') {
		return b, ErrMalformed
	}
	var lat, lon float64
	var haveLat, haveLon bool
	p.ws()
	if !p.eat('}') {
		for {
			p.ws()
			key, ok := p.str()
			if !ok {
				return b, ErrMalformed
			}
			p.ws()
			if !p.eat(':') {
				return b, ErrMalformed
			}
			p.ws()
			num, isNum, ok := p.value()
			if !ok {
				return b, ErrMalformed
			}
			if isNum {
				switch string(key) {
				case "battery":
					if num >= 0 && num <= 100 {
						b.Battery = int(math.Round(num))
					}
				case "lat":
					lat, haveLat = num, num >= -90 && num <= 90
				case "lon":
					lon, haveLon = num, num >= -180 && num <= 180
				}
			}
			p.ws()
			if p.eat(',') {
				continue
			}
			if p.eat('}') {
				break
			}
			return b, ErrMalformed
		}
	}
	p.ws()
	if p.i != len(p.s) {
		return b, ErrMalformed
	}
	if haveLat && haveLon && !(lat == 0 && lon == 0) {
		b.Lat, b.Lon, b.HasLoc = lat, lon, true
	}
	return b, nil
}

type parser struct {
	s []byte
	i int
}

func (p *parser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// str reads a JSON string and returns its raw content (escapes left as
// they are; an escaped key simply matches no known field).
func (p *parser) str() ([]byte, bool) {
	if !p.eat('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return p.s[start : p.i-1], true
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return nil, false
			}
			switch p.s[p.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i += 2
			case 'u':
				if p.i+6 > len(p.s) {
					return nil, false
				}
				for _, h := range p.s[p.i+2 : p.i+6] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return nil, false
					}
				}
				p.i += 6
			default:
				return nil, false
			}
		case c < 0x20:
			return nil, false
		default:
			p.i++
		}
	}
	return nil, false
}

// value reads any JSON value; for a number (or a string holding one, as
// some devices send) it returns the number.
func (p *parser) value() (num float64, isNum, ok bool) {
	return p.valueDepth(0)
}

func (p *parser) valueDepth(depth int) (num float64, isNum, ok bool) {
	if p.i >= len(p.s) || depth > 32 {
		return 0, false, false
	}
	switch c := p.s[p.i]; {
	case c == '"':
		s, ok := p.str()
		if !ok {
			return 0, false, false
		}
		// Only number-shaped text is parsed: a failed ParseFloat allocates.
		if validJSONNumber(s) {
			if f, ok := parseNumber(s); ok {
				return f, true, true
			}
		}
		return 0, false, true
	case c == '-' || c >= '0' && c <= '9':
		start := p.i
		p.i++
		for p.i < len(p.s) {
			c := p.s[p.i]
			if c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' {
				p.i++
				continue
			}
			break
		}
		if !validJSONNumber(p.s[start:p.i]) {
			return 0, false, false
		}
		f, ok := parseNumber(p.s[start:p.i])
		return f, ok, true // a number out of float range is valid JSON, just unusable
	case c == 't':
		return 0, false, p.lit("true")
	case c == 'f':
		return 0, false, p.lit("false")
	case c == 'n':
		return 0, false, p.lit("null")
	case c == '[' || c == '{':
		open, close := c, byte(']')
		if open == '{' {
			close = '}'
		}
		p.i++
		p.ws()
		if p.eat(close) {
			return 0, false, true
		}
		for {
			p.ws()
			if open == '{' {
				if _, ok := p.str(); !ok {
					return 0, false, false
				}
				p.ws()
				if !p.eat(':') {
					return 0, false, false
				}
				p.ws()
			}
			if _, _, ok := p.valueDepth(depth + 1); !ok {
				return 0, false, false
			}
			p.ws()
			if p.eat(',') {
				continue
			}
			return 0, false, p.eat(close)
		}
	}
	return 0, false, false
}

func (p *parser) lit(w string) bool {
	if len(p.s)-p.i >= len(w) && string(p.s[p.i:p.i+len(w)]) == w {
		p.i += len(w)
		return true
	}
	return false
}

func parseNumber(b []byte) (float64, bool) {
	if len(b) == 0 || len(b) > 64 {
		return 0, false
	}
	// ParseFloat keeps no reference to its argument.
	f, err := strconv.ParseFloat(unsafe.String(&b[0], len(b)), 64) // #nosec G103 -- read-only view, not retained
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// validJSONNumber checks the JSON number grammar, which is stricter than
// ParseFloat's (no leading zeros, no "1.", no hex).
func validJSONNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return false
	}
	if b[i] == '0' {
		i++
	} else if b[i] >= '1' && b[i] <= '9' {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	} else {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	return i == len(b)
}
