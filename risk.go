package escudo

// RiskLevel is the level a risk evaluation assigns, on the scale of
// Colombia's UNP that the Mechanism's instrument maps its formula onto. A
// case, the Board and the calibration report speak of these levels; the
// instrument (internal/risk) says which of them it uses and from where.
type RiskLevel string

const (
	RiskOrdinary      RiskLevel = "ordinario"
	RiskExtraordinary RiskLevel = "extraordinario"
	RiskExtreme       RiskLevel = "extremo"
)

// RiskLevels lists the levels from lowest to highest; an instrument's levels
// are a run of this list in this order.
var RiskLevels = []RiskLevel{RiskOrdinary, RiskExtraordinary, RiskExtreme}

// Rank returns the level's place in RiskLevels, or -1 when it is not one.
func (l RiskLevel) Rank() int {
	for i, x := range RiskLevels {
		if x == l {
			return i
		}
	}
	return -1
}
