package heartbeat

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Beat
		err  error
	}{
		{"empty body", "", Beat{Battery: -1}, nil},
		{"empty object", " {} ", Beat{Battery: -1}, nil},
		{"all fields", `{"battery": 81.6, "lat": 17.0654, "lon": -96.7236}`, Beat{Battery: 82, Lat: 17.0654, Lon: -96.7236, HasLoc: true}, nil},
		{"quoted numbers", `{"battery":"40","lat":"19.43","lon":"-99.13"}`, Beat{Battery: 40, Lat: 19.43, Lon: -99.13, HasLoc: true}, nil},
		{"battery out of range dropped", `{"battery": 140}`, Beat{Battery: -1}, nil},
		{"latitude out of range drops the location", `{"lat": 91, "lon": 10, "battery": 5}`, Beat{Battery: 5}, nil},
		{"only one coordinate", `{"lat": 17.1}`, Beat{Battery: -1}, nil},
		{"null island dropped", `{"lat": 0, "lon": 0}`, Beat{Battery: -1}, nil},
		{"unknown and nested fields ignored", `{"fw":"1.2","extra":{"a":[1,2,{"b":null}]},"ok":true,"battery":3}`, Beat{Battery: 3}, nil},
		{"odd battery type ignored", `{"battery":[50]}`, Beat{Battery: -1}, nil},
		{"huge number ignored", `{"battery":1e400}`, Beat{Battery: -1}, nil},
		{"array body", `[1]`, Beat{Battery: -1}, ErrMalformed},
		{"truncated", `{"battery": 5`, Beat{Battery: 5}, ErrMalformed},
		{"trailing garbage", `{} x`, Beat{Battery: -1}, ErrMalformed},
		{"bad number", `{"battery": 05}`, Beat{Battery: -1}, ErrMalformed},
		{"not json", `battery=5`, Beat{Battery: -1}, ErrMalformed},
		{"too large", `{"x":"` + string(bytes.Repeat([]byte("a"), MaxBody)) + `"}`, Beat{Battery: -1}, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.body))
			if err != tt.err {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err == nil && got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeDoesNotAllocate(t *testing.T) {
	body := []byte(`{"battery": 81, "lat": 17.0654, "lon": -96.7236, "fw": "a\"b"}`)
	if n := testing.AllocsPerRun(1000, func() { _, _ = Decode(body) }); n != 0 {
		t.Fatalf("Decode allocates %v times", n)
	}
}

// FuzzDecode checks the hand-written parser against encoding/json: it
// accepts exactly the JSON objects, and reads the same numbers.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"", "{}", `{"battery":50,"lat":17.1,"lon":-96.7}`, `{"a":[{"b":"\u00e9"}],"battery":"7"}`, `[`, `{"lat":1e999,"lon":2}`, `{"x":-0.0e+1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := Decode(body)
		trimmed := bytes.Trim(body, " \t\r\n") // JSON whitespace only
		if len(body) > MaxBody {
			if err != ErrTooLarge {
				t.Fatalf("oversized body: %v", err)
			}
			return
		}
		isObject := len(trimmed) == 0 || trimmed[0] == '{' && json.Valid(trimmed)
		if isObject != (err == nil) {
			t.Fatalf("Decode(%q) err = %v, json object = %v", body, err, isObject)
		}
		if err != nil || len(trimmed) == 0 {
			return
		}
		if got.Battery < -1 || got.Battery > 100 {
			t.Fatalf("battery %d", got.Battery)
		}
		if got.HasLoc && (got.Lat < -90 || got.Lat > 90 || got.Lon < -180 || got.Lon > 180) {
			t.Fatalf("location %v,%v", got.Lat, got.Lon)
		}
		var m map[string]any
		if json.Unmarshal(trimmed, &m) != nil {
			return
		}
		if v, ok := m["battery"].(float64); ok && v >= 0 && v <= 100 && bytes.Count(trimmed, []byte(`"battery"`)) == 1 && got.Battery < 0 {
			t.Fatalf("battery %v not read from %q", v, body)
		}
	})
}
