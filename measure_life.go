package escudo

import "time"

// EventMeasure: a granted measure of the case was granted, changed, moved
// or ended; Detail is "<granted id>:<measure>:<status>".
const EventMeasure = "measure"

// MeasureEvent is one step in the life of a granted measure.
type MeasureEvent struct {
	At        time.Time     `json:"at"`
	ActorID   int64         `json:"actor_id,omitempty"`
	ActorName string        `json:"actor_name,omitempty"`
	From      MeasureStatus `json:"from,omitempty"` // empty for the grant
	To        MeasureStatus `json:"to"`
	What      string        `json:"what"` // grant | move | modify | ratify | confirm | reject | withdraw | end
	Reason    string        `json:"reason,omitempty"`
}

// Ways a beneficiary's word on a measure reaches the Mechanism when
// follow-up records it on their behalf.
const (
	ChannelByPhone  = "phone"
	ChannelByVisit  = "visit"
	ChannelByEmail  = "email"
	ChannelBySignal = "signal"
	ChannelByPortal = "portal" // the beneficiary themselves
)

// ConfirmChannels lists them.
var ConfirmChannels = []string{ChannelByPhone, ChannelByVisit, ChannelByEmail, ChannelBySignal, ChannelByPortal}

// MeasureConfirmation is the beneficiary's confirmation or rejection of an
// implementation, with their comment.
type MeasureConfirmation struct {
	ID         int64     `json:"id"`
	Confirmed  bool      `json:"confirmed"`
	Channel    string    `json:"channel"`
	Comment    string    `json:"comment,omitempty"`
	RecordedBy string    `json:"recorded_by,omitempty"`
	At         time.Time `json:"at"`
}

// MeasureRating is how useful the beneficiary found a measure.
type MeasureRating string

const (
	RatingUseful            MeasureRating = "useful"
	RatingNotUseful         MeasureRating = "not_useful"
	RatingCounterproductive MeasureRating = "counterproductive" // e.g. visible rounds that make neighbours suspect them
)

// MeasureRatings lists them.
var MeasureRatings = []MeasureRating{RatingUseful, RatingNotUseful, RatingCounterproductive}

// MeasureRatingEntry is one rating with its why.
type MeasureRatingEntry struct {
	ID         int64         `json:"id"`
	Rating     MeasureRating `json:"rating"`
	Why        string        `json:"why,omitempty"`
	RecordedBy string        `json:"recorded_by,omitempty"`
	At         time.Time     `json:"at"`
}

// CostPayer is who pays a measure's cost.
type CostPayer string

const (
	PayerMechanism    CostPayer = "mechanism"
	PayerState        CostPayer = "state"
	PayerMunicipality CostPayer = "municipality"
	PayerBeneficiary  CostPayer = "beneficiary"
	PayerOther        CostPayer = "other"
)

// CostPayers lists them.
var CostPayers = []CostPayer{PayerMechanism, PayerState, PayerMunicipality, PayerBeneficiary, PayerOther}

// CostPeriod is how often a cost recurs.
type CostPeriod string

const (
	PeriodOnce    CostPeriod = "once"
	PeriodMonthly CostPeriod = "monthly"
	PeriodYearly  CostPeriod = "yearly"
)

// CostPeriods lists them.
var CostPeriods = []CostPeriod{PeriodOnce, PeriodMonthly, PeriodYearly}

// MaxCostCentavos bounds one cost (one hundred million pesos).
const MaxCostCentavos = 100_000_000_00

// MeasureCost is a one-time or recurring cost of a measure.
type MeasureCost struct {
	ID          int64      `json:"id"`
	Description string     `json:"description"`
	Centavos    int64      `json:"amount_centavos"`
	Period      CostPeriod `json:"period"`
	Payer       CostPayer  `json:"payer"`
	// CannotPay: the beneficiary pays it and says they cannot.
	CannotPay  bool      `json:"cannot_pay,omitempty"`
	RecordedBy string    `json:"recorded_by,omitempty"`
	At         time.Time `json:"at"`
}

// Recurring reports whether the cost comes back each period.
func (c MeasureCost) Recurring() bool { return c.Period != PeriodOnce }

// Flagged reports a recurring cost the beneficiary pays and cannot: the
// measure's pages show it.
func (c MeasureCost) Flagged() bool {
	return c.Recurring() && c.Payer == PayerBeneficiary && c.CannotPay
}

// Validate checks a cost at the edge.
func (c *MeasureCost) Validate() error {
	var v ValidationErrors
	if c.Description == "" {
		v.Add("description", "validation.required", nil)
	} else if len(c.Description) > MaxShortText {
		v.Add("description", "validation.too_long", map[string]any{"Max": MaxShortText})
	}
	if c.Centavos <= 0 || c.Centavos > MaxCostCentavos {
		v.Add("amount", "measure.cost_amount", nil)
	}
	if !oneOf(string(c.Period), CostPeriods) {
		v.Add("period", "measure.cost_period", nil)
	}
	if !oneOf(string(c.Payer), CostPayers) {
		v.Add("payer", "measure.cost_payer", nil)
	}
	if c.CannotPay && c.Payer != PayerBeneficiary {
		v.Add("cannot_pay", "measure.cost_cannot_pay", nil)
	}
	return v.Err()
}

func oneOf[T ~string](s string, xs []T) bool {
	for _, x := range xs {
		if string(x) == s {
			return true
		}
	}
	return false
}
