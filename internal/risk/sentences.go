package risk

import "escudo"

// Sentence is one sentence of the explanation: a translation key of the
// catalogues (internal/i18n/locales) and its arguments, already in the
// reader's language (labels and meanings come from the instrument).
type Sentence struct {
	Key  string         `json:"key"`
	Args map[string]any `json:"args,omitempty"`
}

// Sentences writes the explanation in plain language for lang ("es-MX" or
// "en"): the level, what weighs most, then what would raise and what would
// lower the level, one sentence per change.
func (ex Explanation) Sentences(inst *Instrument, lang string) []Sentence {
	out := []Sentence{{Key: "risk.explain.level", Args: map[string]any{"Level": levelLabel(inst, ex.Level, lang)}}}
	if len(ex.Top) > 0 {
		out = append(out, Sentence{Key: "risk.explain.top_intro"})
	}
	for _, c := range ex.Top {
		f, g, _ := inst.Factor(c.Factor)
		out = append(out, Sentence{Key: "risk.explain.top", Args: map[string]any{
			"Factor": f.Label.In(lang), "Meaning": f.Scale[c.Step].Meaning.In(lang),
			"Group": groupLabel(inst, g, lang), "Percent": c.Share,
		}})
	}
	out = append(out, ex.Up.sentences(inst, lang, "risk.explain.up", "risk.explain.highest", "risk.explain.up_out_of_reach")...)
	out = append(out, ex.Down.sentences(inst, lang, "risk.explain.down", "risk.explain.lowest", "risk.explain.down_out_of_reach")...)
	return out
}

func (w Way) sentences(inst *Instrument, lang, found, atLimit, outOfReach string) []Sentence {
	if w.Status == AtLimit {
		return []Sentence{{Key: atLimit}}
	}
	if w.Status == OutOfReach {
		return []Sentence{{Key: outOfReach, Args: map[string]any{"Max": MaxChanges}}}
	}
	var out []Sentence
	if w.Status == Partial {
		out = append(out, Sentence{Key: "risk.explain.partial"})
	}
	if len(w.Changes) == 0 {
		return out
	}
	out = append(out, Sentence{Key: found, Args: map[string]any{"Level": levelLabel(inst, w.Level, lang)}})
	for _, c := range w.Changes {
		f, _, _ := inst.Factor(c.Factor)
		out = append(out, Sentence{Key: "risk.explain.change", Args: map[string]any{
			"Factor": f.Label.In(lang), "From": f.Scale[c.FromStep].Meaning.In(lang), "To": f.Scale[c.ToStep].Meaning.In(lang),
		}})
	}
	return out
}

func levelLabel(inst *Instrument, id escudo.RiskLevel, lang string) string {
	for _, l := range inst.Levels {
		if l.ID == id {
			return l.Label.In(lang)
		}
	}
	return ""
}

func groupLabel(inst *Instrument, g Group, lang string) string {
	for _, fg := range inst.Groups {
		if fg.ID == g {
			return fg.Label.In(lang)
		}
	}
	return ""
}
