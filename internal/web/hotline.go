package web

import (
	"strings"

	"escudo"
)

// HotlineAlert validates an operator's record of a call.
func HotlineAlert(person int64, typ, note string, lat, lon *float64, acc float64) (escudo.AlertInput, error) {
	var v escudo.ValidationErrors
	in := escudo.AlertInput{PersonID: person, Type: escudo.AlertType(typ), Source: escudo.SourceHotline, Note: strings.TrimSpace(note)}
	if person <= 0 {
		v.Add("person_id", "validation.required", nil)
	}
	switch in.Type {
	case "":
		in.Type = escudo.AlertCall
	case escudo.AlertCall, escudo.AlertPanic, escudo.AlertAlarm, escudo.AlertTest:
	default:
		v.Add("type", "validation.choice", nil)
	}
	if len(in.Note) > escudo.MaxLongText {
		v.Add("note", "validation.too_long", map[string]any{"Max": escudo.MaxLongText})
	}
	if (lat == nil) != (lon == nil) {
		v.Add("lat", "validation.coordinates", nil)
	} else if lat != nil {
		if *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180 {
			v.Add("lat", "validation.coordinates", nil)
		} else {
			in.Location = &escudo.Location{Lat: *lat, Lon: *lon, AccuracyM: max(acc, 0)}
		}
	}
	return in, v.Err()
}
