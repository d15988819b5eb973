package procedure

import (
	"time"

	"escudo"
)

// Appeals (inconformidad, issue 13 item 8). A beneficiary who disagrees
// with an evaluation files an appeal within the window, counted from the
// evaluation's submission (always recorded; the notification milestone is
// not always): DefaultAppealWindow unless configured. Filing asks for a new
// evaluation (reason appeal). Once it is submitted the beneficiary agrees
// (the appeal closes) or the disagreement persists; then the Consultative
// Council commissions an independent study, due within the configured days,
// and rules.

// AppealState is where an appeal is.
type AppealState string

const (
	AppealFiled     AppealState = "filed"     // a new evaluation is asked for
	AppealAgreed    AppealState = "agreed"    // the beneficiary agreed with the new evaluation: closed
	AppealPersisted AppealState = "persisted" // the disagreement persists: for the Council
	AppealStudy     AppealState = "study"     // the Council commissioned an independent study
	AppealRuled     AppealState = "ruled"     // the Council ruled: closed
)

// AppealAction is a step of an appeal.
type AppealAction string

const (
	AppealAgree      AppealAction = "agree"
	AppealPersist    AppealAction = "persist"
	AppealCommission AppealAction = "commission"
	AppealRule       AppealAction = "rule"
)

var appealNext = map[AppealState]map[AppealAction]AppealState{
	AppealFiled:     {AppealAgree: AppealAgreed, AppealPersist: AppealPersisted},
	AppealPersisted: {AppealCommission: AppealStudy},
	AppealStudy:     {AppealRule: AppealRuled},
}

// AppealStep returns the state action leads to from s, or a conflict
// naming why it cannot be taken now.
func AppealStep(s AppealState, a AppealAction) (AppealState, error) {
	next, ok := appealNext[s][a]
	if !ok {
		return s, escudo.Errorf(escudo.ECONFLICT, "appeal.step_refused")
	}
	return next, nil
}

// AppealClosed reports whether the appeal is over.
func AppealClosed(s AppealState) bool { return s == AppealAgreed || s == AppealRuled }

// AppealWindowEnds is the last moment an appeal of an evaluation submitted
// at submitted may be filed.
func AppealWindowEnds(submitted time.Time, window time.Duration) time.Time {
	if window <= 0 {
		window = escudo.DefaultAppealWindow
	}
	return submitted.Add(window)
}

// CheckAppealWindow refuses an appeal filed after its window, naming the
// evaluation field and the day the window closed.
func CheckAppealWindow(submitted, now time.Time, window time.Duration) error {
	if window <= 0 {
		window = escudo.DefaultAppealWindow
	}
	if end := AppealWindowEnds(submitted, window); now.After(end) {
		return escudo.FieldError("evaluation", "appeal.window_closed", map[string]any{"Days": int(window.Hours() / 24), "Until": end.Format("2006-01-02")})
	}
	return nil
}

// DefaultStudyDays is how long the Council's independent study may take
// when not configured: the appeal ruling clock's limit.
const DefaultStudyDays = 15
