package risk

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"escudo"
)

// The worked example of docs/risk.md is evaluated here: its answers come
// from the page, and the numbers the page shows must be the result's.
func TestDocsWorkedExample(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "risk.md"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(doc)
	_, rest, ok := strings.Cut(page, "<!-- worked example answers -->\n```json\n")
	if !ok {
		t.Fatal("the worked example's answers are not on the page")
	}
	block, _, _ := strings.Cut(rest, "```")
	var a Answers
	dec := json.NewDecoder(strings.NewReader(block))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		t.Fatal(err)
	}
	inst := Default()
	res, err := Evaluate(inst, a)
	if err != nil {
		t.Fatal(err)
	}
	t3, v, c := res.Groups[0], res.Groups[1], res.Groups[2]
	up, _ := inst.Level(escudo.RiskExtraordinary)
	from, _ := parseDecimal(up.From)
	want := []string{
		fmt.Sprintf("PT = %d | WT = %d | %s |", t3.Points, t3.Weight, t3.Value),
		fmt.Sprintf("PV = %d | WV = %d | %s |", v.Points, v.Weight, v.Value),
		fmt.Sprintf("PC = %d | WC = %d | %s |", c.Points, c.Weight, c.Value),
		fmt.Sprintf("N = %d × %d × %d = %d; D = %d × %d × %d = %d; R = %d ÷ %d = %s.",
			t3.Points, v.Points, c.Weight, res.Num, t3.Weight, v.Weight, c.Points, res.Den, res.Num, res.Den, res.Value),
		fmt.Sprintf("%d × %d ≥ %d × %d = %d? No. The level is\n  **%s**.", res.Num, from.den, from.num, res.Den, from.num*res.Den, res.Level),
	}
	ex := Explain(inst, res)
	shares := []string{}
	for _, top := range ex.Top {
		shares = append(shares, fmt.Sprintf("(%d %%)", top.Share))
	}
	want = append(want, shares[0])
	if len(ex.Up.Changes) == 1 {
		ch := ex.Up.Changes[0]
		want = append(want, fmt.Sprintf("(from %d to %d)", ch.From, ch.To))
	}
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("docs/risk.md does not say %q", w)
		}
	}
	if len(ex.Up.Changes) != 1 || ex.Up.Changes[0].Factor != "networks" || ex.Down.Status != AtLimit {
		t.Errorf("the page's explanation no longer holds: %+v", ex)
	}
}
