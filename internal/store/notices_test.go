package store_test

import (
	"context"
	"testing"
	"time"

	"escudo"
	"escudo/internal/store"
	"escudo/internal/testdb"
)

// A beneficiary's notices (issue 16, item 4): the message on their chosen
// channel waits for their safe hours in their own time zone and says
// nothing; while it waits, later changes join it instead of stacking up;
// their portal inbox gets one line per change saying what changed; SMS
// never goes to who refused it; each deadline is told once.
func TestBeneficiaryNotices(t *testing.T) {
	// 03:00 UTC is 21:00 of the day before in Oaxaca (central time, UTC-6).
	night := time.Date(2026, 3, 3, 3, 0, 0, 0, time.UTC)
	clock := testdb.NewClock(night)
	testdb.Each(t, testdb.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		clock.Set(night)
		ctx := context.Background()
		analyst := withUser(staff(t, db, "analista", escudo.RoleAnalyst, 0))
		follow := withUser(staff(t, db, "seguimiento", escudo.RoleFollowUp, 0))
		c, p := newRequest("Periodista de la costa")
		p.Email = "costa@example.org"
		p.Contact = escudo.ContactPrefs{Channel: escudo.ContactEmail, SafeFrom: "09:00", SafeUntil: "20:00", NeverSMS: true}
		rc, err := db.FileRequest(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		caseID := rc.CaseID
		got, err := db.FindCaseByID(follow, caseID)
		if err != nil {
			t.Fatal(err)
		}
		ben := &escudo.User{Username: "costa", DisplayName: "Costa", Role: escudo.RoleBeneficiary, PersonID: got.PersonID}
		if err := db.CreateUser(ctx, ben, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		lines := func() []string {
			t.Helper()
			var out []string
			err := db.WithTx(ctx, false, func(tx *store.Tx) error {
				rows, err := tx.Query(ctx, `SELECT subject FROM outbox WHERE kind = ? AND recipient_user = ? ORDER BY id`, store.KindBeneficiaryNotice, ben.ID)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var s string
					if err := rows.Scan(&s); err != nil {
						return err
					}
					out = append(out, s)
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		type message struct {
			channel, subject string
			next             time.Time
		}
		messages := func() []message {
			t.Helper()
			var out []message
			err := db.WithTx(ctx, false, func(tx *store.Tx) error {
				rows, err := tx.Query(ctx, `SELECT channel, subject, next_attempt_at FROM outbox WHERE kind = ? AND channel <> ? ORDER BY id`, store.KindBeneficiaryNotice, store.ChannelInbox)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var m message
					var at int64
					if err := rows.Scan(&m.channel, &m.subject, &at); err != nil {
						return err
					}
					m.next = time.UnixMicro(at).UTC()
					out = append(out, m)
				}
				return rows.Err()
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}

		// Asked for more information at 21:00 their time: the line is in
		// their inbox now, the email waits for 09:00 in Oaxaca (15:00 UTC).
		if err := db.DecideAdmission(ctx, caseID, escudo.AdmissionDecision{Admission: escudo.AdmissionInfoRequested, Reason: "¿Desde cuándo te siguen?"}); err != nil {
			t.Fatal(err)
		}
		if l := lines(); len(l) != 1 || l[0] != store.AboutInfo {
			t.Fatalf("inbox lines after the request for information: %q", l)
		}
		m := messages()
		if len(m) != 1 || m[0].channel != store.ChannelEmail || m[0].subject != store.BeneficiarySubjectES {
			t.Fatalf("messages: %+v", m)
		}
		if want := time.Date(2026, 3, 3, 15, 0, 0, 0, time.UTC); !m[0].next.Equal(want) {
			t.Fatalf("the email goes out at %s, want %s (09:00 in Oaxaca)", m[0].next, want)
		}
		// Admitted an hour later, evaluated: two more lines, no more email
		// while the first waits.
		clock.Advance(time.Hour)
		if err := db.DecideAdmission(ctx, caseID, escudo.AdmissionDecision{Admission: escudo.AdmissionAdmitted, Procedure: escudo.ProcedureOrdinary}); err != nil {
			t.Fatal(err)
		}
		e, err := db.StartEvaluation(analyst, caseID, escudo.EvaluationFull, escudo.ReasonInitial)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SubmitEvaluation(analyst, e, fullAnswers()); err != nil {
			t.Fatal(err)
		}
		if l := lines(); len(l) < 2 || l[1] != store.AboutStage {
			t.Fatalf("inbox lines after admission: %q", l)
		}
		if m := messages(); len(m) != 1 {
			t.Fatalf("%d messages stacked on the phone while one waits: %+v", len(m), m)
		}
		// Once it went out, the next change is a new message.
		if err := db.WithTx(ctx, true, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE outbox SET status = ?, attempts = 1 WHERE kind = ? AND channel = ?`, store.OutboxDelivered, store.KindBeneficiaryNotice, store.ChannelEmail)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// The appeal window of the evaluation closes in AppealReminderLead:
		// the reminder is told once, however often the sweep runs.
		before := len(lines())
		clock.Set(night.Add(time.Hour + db.AppealWindow() - store.AppealReminderLead - time.Minute))
		if n, err := db.SweepReminders(ctx, 0); err != nil || n != 0 {
			t.Fatalf("reminder before its time: %d %v", n, err)
		}
		clock.Advance(2 * time.Minute)
		for i, want := range []int{1, 0} {
			if n, err := db.SweepReminders(ctx, 0); err != nil || n != want {
				t.Fatalf("sweep %d: %d reminders, %v; want %d", i, n, err, want)
			}
		}
		if l := lines(); len(l) != before+1 || l[len(l)-1] != store.AboutDeadline {
			t.Fatalf("inbox lines after the reminder: %q", l)
		}
		oax, err := time.LoadLocation("America/Mexico_City")
		if err != nil {
			t.Fatal(err)
		}
		// Swept at 22:01 their time: the reminder's email waits for 09:00.
		if m := messages(); len(m) != 2 || m[1].next.In(oax).Hour() != 9 || m[1].next.In(oax).Minute() != 0 || m[1].next.Before(clock.Now()) {
			t.Fatalf("messages after the reminder: %+v", m)
		}
		// Who asks to be called and refuses SMS gets no SMS and no email:
		// the line is theirs in the portal.
		if err := db.SetContactPrefs(follow, got.PersonID, escudo.ContactPrefs{Channel: escudo.ContactPhone, NeverSMS: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FileAppeal(follow, caseID, "El nivel no refleja la vigilancia."); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, `SELECT COUNT(*) FROM outbox WHERE kind = ? AND channel = 'sms'`, store.KindBeneficiaryNotice); n != 0 {
			t.Fatal("an SMS to who refused SMS")
		}
		if m := messages(); len(m) != 2 {
			t.Fatalf("a message on a channel they did not choose: %+v", m)
		}
		// Nothing that leaves escudo says what it is about.
		for _, m := range messages() {
			if m.subject != store.BeneficiarySubjectES {
				t.Fatalf("a message subject that says something: %q", m.subject)
			}
		}
	})
}
