package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// Issue 12, findings 5, 7 and the mail part of 1: sign-in and reset
// throttling that cannot be turned against users, reset requests that do the
// same work for every email, and email changes that wait for verification.

// signInErr signs in and returns the error, nil on success.
func (f *fixture) signInErr(email, pw, client string) error {
	_, _, err := f.svc.SignIn(context.Background(), "", email, pw, client, "test")
	return err
}

// failUntilBlocked signs in with a wrong password for email from client,
// waiting out each slow-down on the clock, until the pair is blocked; it
// returns the number of failures and the final refusal.
func (f *fixture) failUntilBlocked(clk *clock, email, client string) (int, *gatehouse.Error) {
	f.t.Helper()
	failures := 0
	for range 100 {
		err := f.signInErr(email, "wrong password!", client)
		switch gatehouse.ErrorCode(err) {
		case gatehouse.EUNAUTHORIZED:
			failures++
		case gatehouse.ETOOMANY:
			e := wantCode(f.t, err, gatehouse.ETOOMANY)
			if e.RetryAfter > time.Minute+time.Second { // blocked, not slowed
				return failures, e
			}
			clk.Advance(e.RetryAfter)
		default:
			f.t.Fatalf("sign-in: %v", err)
		}
	}
	f.t.Fatal("never blocked")
	return 0, nil
}

// Finding 5: five (or any number of) wrong passwords from one address never
// stop the right password from another address.
func TestSignInFailuresElsewhereNeverLockOutTheRightPassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	clk := f.fakeClock()
	f.activeUser(f.admin, service.UserInput{FirstName: "Tom", LastName: "Target", Email: "tom@acme.test"})
	failures, blocked := f.failUntilBlocked(clk, "tom@acme.test", "203.0.113.66:4000")
	if failures < 5 || blocked.RetryAfter <= 0 || blocked.RetryAfter > 15*time.Minute {
		t.Fatalf("%d failures, then %+v", failures, blocked)
	}
	// The attacker's pair stays blocked, even with the right password...
	if err := f.signInErr("tom@acme.test", password, "203.0.113.66:4001"); gatehouse.ErrorCode(err) != gatehouse.ETOOMANY {
		t.Fatalf("the blocked pair with the right password: %v", err)
	}
	// ...but Tom, from his own address, signs in at once.
	f.signIn("TOM@acme.test", password, "198.51.100.20:5000")
}

// Finding 5: one person's typos block their own pair only, never a colleague
// behind the same address.
func TestOnePersonsTyposDoNotLockOutTheirOffice(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	clk := f.fakeClock()
	f.activeUser(f.admin, service.UserInput{FirstName: "Tia", LastName: "Typo", Email: "tia@acme.test"})
	f.activeUser(f.admin, service.UserInput{FirstName: "Col", LastName: "League", Email: "col@acme.test"})
	const office = "192.0.2.10"
	f.failUntilBlocked(clk, "tia@acme.test", office+":1000")
	f.signIn("col@acme.test", password, office+":1001")
	f.signIn("tia@acme.test", password, "203.0.113.5:1000") // Tia on her phone
}

// The schedule of one pair: three failures are free, then each attempt waits
// 1 s, 2 s, 4 s, ... after the latest failure; ten failures block the pair
// until the oldest leaves the 15-minute window. The right password gets the
// same 429 while the pair waits, and a success forgets the pair's failures.
func TestSignInThrottleSlowsThenBlocksThePair(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	clk := f.fakeClock()
	f.activeUser(f.admin, service.UserInput{FirstName: "Sid", LastName: "Slow", Email: "sid@acme.test"})
	const client = "198.51.100.30:1"
	first := clk.Now()
	for i := range 3 {
		if err := f.signInErr("sid@acme.test", "wrong password!", client); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	for n, delay := 3, time.Second; n < 10; n, delay = n+1, delay*2 {
		e := wantCode(t, f.signInErr("sid@acme.test", password, client), gatehouse.ETOOMANY)
		if e.RetryAfter != delay {
			t.Fatalf("after %d failures: wait %v, want %v", n, e.RetryAfter, delay)
		}
		clk.Advance(delay - time.Millisecond)
		wantCode(t, f.signInErr("sid@acme.test", "wrong password!", client), gatehouse.ETOOMANY)
		clk.Advance(time.Millisecond)
		wantCode(t, f.signInErr("sid@acme.test", "wrong password!", client), gatehouse.EUNAUTHORIZED)
	}
	e := wantCode(t, f.signInErr("sid@acme.test", password, client), gatehouse.ETOOMANY)
	if want := first.Add(15 * time.Minute).Sub(clk.Now()); e.RetryAfter != want {
		t.Fatalf("blocked for %v, want %v (until the first failure is 15 minutes old)", e.RetryAfter, want)
	}
	clk.Advance(e.RetryAfter)
	// Nine failures are left in the window: the pair still waits 64 s after
	// its latest, long past. The right password now forgets them all.
	f.signIn("sid@acme.test", password, client)
	for range 3 {
		wantCode(t, f.signInErr("sid@acme.test", "wrong password!", client), gatehouse.EUNAUTHORIZED)
	}
}

// Credential stuffing: 50 failures from one address within 15 minutes, on
// any accounts, block the address, for every account; 49 do not.
func TestCredentialStuffingBlocksTheAddress(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	ctx := context.Background()
	clk := f.fakeClock()
	f.activeUser(f.admin, service.UserInput{FirstName: "Cal", LastName: "Client", Email: "cal@acme.test"})
	const stuffer = "198.51.100.7"
	// 48 earlier failures on as many accounts, written as SignIn writes them
	// (each failed sign-in costs an argon2 hash; the last two are real).
	start := clk.Now()
	err := f.db.Update(ctx, func(tx gatehouse.Tx) error {
		for i := range 48 {
			e := gatehouse.ThrottleEvent{Kind: gatehouse.ThrottleSignInFailure, Account: fmt.Sprintf("victim%d@acme.test", i),
				Address: stuffer, At: start.Add(time.Duration(i) * time.Second)}
			if err := tx.AddThrottleEvent(e, start.Add(-time.Hour)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	wantCode(t, f.signInErr("victim48@acme.test", "guess", stuffer+":9"), gatehouse.EUNAUTHORIZED)  // the 49th
	f.signIn("cal@acme.test", password, stuffer+":10")                                              // 49 do not block
	wantCode(t, f.signInErr("victim49@acme.test", "guess", stuffer+":11"), gatehouse.EUNAUTHORIZED) // the 50th
	e := wantCode(t, f.signInErr("cal@acme.test", password, stuffer+":12"), gatehouse.ETOOMANY)
	if want := start.Add(15 * time.Minute).Sub(clk.Now()); e.RetryAfter != want {
		t.Fatalf("address blocked for %v, want %v", e.RetryAfter, want)
	}
	f.signIn("cal@acme.test", password, "198.51.100.8:1") // another address is not held back
	clk.Advance(e.RetryAfter)
	f.signIn("cal@acme.test", password, stuffer+":13")
}

// Finding 5: a completed password reset, or accepting an invitation, clears
// the account's failures from every address.
func TestResetOrAcceptanceClearsTheAccountsFailures(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	ctx := context.Background()
	clk := f.fakeClock()
	mb := f.mailbox()
	f.activeUser(f.admin, service.UserInput{FirstName: "Rae", LastName: "Reset", Email: "rae@acme.test"})
	f.failUntilBlocked(clk, "rae@acme.test", "203.0.113.1:1")
	f.failUntilBlocked(clk, "rae@acme.test", "203.0.113.2:1")
	mb.receive()
	if err := f.svc.RequestPasswordReset(ctx, "rae@acme.test"); err != nil {
		t.Fatal(err)
	}
	m := mb.one("rae@acme.test", "/reset-password")
	if err := f.svc.ResetPassword(ctx, m.Token, "a brand new secret"); err != nil {
		t.Fatal(err)
	}
	f.signIn("rae@acme.test", "a brand new secret", "203.0.113.1:2")
	f.signIn("rae@acme.test", "a brand new secret", "203.0.113.2:2")

	// Failures for an email nobody has yet count like any other, and
	// accepting the invitation to it clears them.
	f.failUntilBlocked(clk, "ivy@acme.test", "203.0.113.3:1")
	f.activeUser(f.admin, service.UserInput{FirstName: "Ivy", LastName: "Invited", Email: "ivy@acme.test"})
	f.signIn("ivy@acme.test", password, "203.0.113.3:2")
}

// Answers do not tell known emails from unknown ones: the same refusals and
// the same waits, attempt after attempt.
func TestSignInThrottleTreatsUnknownEmailsAlike(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	clk := f.fakeClock()
	f.activeUser(f.admin, service.UserInput{FirstName: "Kim", LastName: "Known", Email: "kim@acme.test"})
	answers := func(email, client string) []string {
		var out []string
		for range 14 {
			err := f.signInErr(email, "wrong password!", client)
			e := wantCode(t, err, gatehouse.ErrorCode(err))
			out = append(out, fmt.Sprintf("%s %s %v", e.Code, e.Message, e.RetryAfter))
			clk.Advance(3 * time.Second)
		}
		clk.Advance(time.Hour)
		return out
	}
	known, unknown := answers("kim@acme.test", "192.0.2.1:1"), answers("nobody@acme.test", "192.0.2.2:1")
	if strings.Join(known, "\n") != strings.Join(unknown, "\n") {
		t.Fatalf("known email:\n%s\nunknown email:\n%s", strings.Join(known, "\n"), strings.Join(unknown, "\n"))
	}
}

// Failures are kept in the database: every instance on it counts them.
func TestSignInThrottleIsSharedByInstances(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	clk := f.fakeClock()
	other := f.secondInstance() // on the fixture's clock
	f.activeUser(f.admin, service.UserInput{FirstName: "Ann", LastName: "Any", Email: "ann@acme.test"})
	f.failUntilBlocked(clk, "ann@acme.test", "203.0.113.9:1")
	_, _, err := other.SignIn(context.Background(), "", "ann@acme.test", password, "203.0.113.9:2", "test")
	if e := wantCode(t, err, gatehouse.ETOOMANY); e.RetryAfter <= time.Minute {
		t.Fatalf("the other instance: %+v", e)
	}
	if _, _, err := other.SignIn(context.Background(), "", "ann@acme.test", password, "198.51.100.1:2", "test"); err != nil {
		t.Fatal(err)
	}
}

// Old failures do not stay: each new one deletes those out of the window.
func TestThrottleEventsDoNotGrowForever(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	ctx := context.Background()
	clk := f.fakeClock()
	count := func(kind, account string) int {
		var n int
		err := f.db.View(ctx, func(tx gatehouse.Tx) error {
			got, err := tx.ThrottleEvents(gatehouse.ThrottleFilter{Kind: kind, Account: account, Since: time.Time{}, Limit: 1000})
			n = len(got)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := range 3 {
		f.signInErr("old@acme.test", "guess", fmt.Sprintf("192.0.2.%d:1", i))
		if err := f.svc.RequestPasswordReset(ctx, "old@acme.test"); err != nil {
			t.Fatal(err)
		}
	}
	if count(gatehouse.ThrottleSignInFailure, "old@acme.test") != 3 || count(gatehouse.ThrottleResetRequest, "old@acme.test") != 3 {
		t.Fatal("events not recorded")
	}
	clk.Advance(time.Hour + time.Second)
	f.signInErr("new@acme.test", "guess", "192.0.2.9:1")
	if err := f.svc.RequestPasswordReset(ctx, "new@acme.test"); err != nil {
		t.Fatal(err)
	}
	if n, m := count(gatehouse.ThrottleSignInFailure, "old@acme.test"), count(gatehouse.ThrottleResetRequest, "old@acme.test"); n != 0 || m != 0 {
		t.Fatalf("%d old sign-in failures and %d old reset requests left", n, m)
	}
}

// recordingStore is the real store, noting which of the transaction
// methods below each request calls: those that read users or
// organizations, write tokens, mail or audit, and the throttle and queue.
type recordingStore struct {
	gatehouse.Store
	calls *[]string
}

func (s recordingStore) Update(ctx context.Context, fn func(gatehouse.Tx) error) error {
	return s.Store.Update(ctx, func(tx gatehouse.Tx) error { return fn(recordingTx{tx, s.calls}) })
}

func (s recordingStore) View(ctx context.Context, fn func(gatehouse.Tx) error) error {
	return s.Store.View(ctx, func(tx gatehouse.Tx) error { return fn(recordingTx{tx, s.calls}) })
}

type recordingTx struct {
	gatehouse.Tx
	calls *[]string
}

func (t recordingTx) note(name string) { *t.calls = append(*t.calls, name) }

func (t recordingTx) FindUsersByEmailAnyOrg(email string) ([]*gatehouse.User, error) {
	t.note("FindUsersByEmailAnyOrg")
	return t.Tx.FindUsersByEmailAnyOrg(email)
}
func (t recordingTx) FindUserByEmail(orgID, email string) (*gatehouse.User, error) {
	t.note("FindUserByEmail")
	return t.Tx.FindUserByEmail(orgID, email)
}
func (t recordingTx) FindUser(orgID, id string) (*gatehouse.User, error) {
	t.note("FindUser")
	return t.Tx.FindUser(orgID, id)
}
func (t recordingTx) FindUsers(f gatehouse.UserFilter) ([]*gatehouse.User, error) {
	t.note("FindUsers")
	return t.Tx.FindUsers(f)
}
func (t recordingTx) PasswordHash(orgID, userID string) (string, error) {
	t.note("PasswordHash")
	return t.Tx.PasswordHash(orgID, userID)
}
func (t recordingTx) FindOrganization(id string) (*gatehouse.Organization, error) {
	t.note("FindOrganization")
	return t.Tx.FindOrganization(id)
}
func (t recordingTx) LockOrganization(id string) (*gatehouse.Organization, error) {
	t.note("LockOrganization")
	return t.Tx.LockOrganization(id)
}
func (t recordingTx) CreateUserToken(tok *gatehouse.UserToken) error {
	t.note("CreateUserToken")
	return t.Tx.CreateUserToken(tok)
}
func (t recordingTx) EnqueueMail(m *gatehouse.OutboxMail) error {
	t.note("EnqueueMail")
	return t.Tx.EnqueueMail(m)
}
func (t recordingTx) RecordAudit(e *gatehouse.AuditEvent) error {
	t.note("RecordAudit")
	return t.Tx.RecordAudit(e)
}
func (t recordingTx) ThrottleEvents(f gatehouse.ThrottleFilter) ([]time.Time, error) {
	t.note("ThrottleEvents")
	return t.Tx.ThrottleEvents(f)
}
func (t recordingTx) AddThrottleEvent(e gatehouse.ThrottleEvent, pruneBefore time.Time) error {
	t.note("AddThrottleEvent")
	return t.Tx.AddThrottleEvent(e, pruneBefore)
}
func (t recordingTx) EnqueueResetRequest(r *gatehouse.ResetRequest) error {
	t.note("EnqueueResetRequest")
	return t.Tx.EnqueueResetRequest(r)
}

// from is a request context from a client address, as the API makes.
func from(client string) context.Context {
	return gatehouse.WithRequestInfo(context.Background(), gatehouse.RequestInfo{Client: client})
}

// Finding 7: the request path does the same work for a known and an unknown
// email (it looks nobody up, issues no token, queues no mail); the worker
// does the rest after the answer.
func TestPasswordResetRequestDoesTheSameWorkForAnyEmail(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	mb := f.mailbox()
	f.activeUser(f.admin, service.UserInput{FirstName: "Kim", LastName: "Known", Email: "kim@acme.test"})
	mb.receive()
	var calls []string
	recorded := service.New(recordingStore{f.db, &calls}, f.config())
	request := func(email string) []string {
		calls = nil
		if err := recorded.RequestPasswordReset(from("192.0.2.1:1"), email); err != nil {
			t.Fatal(err)
		}
		return calls
	}
	known, unknown := request("kim@acme.test"), request("nobody@acme.test")
	want := "ThrottleEvents ThrottleEvents AddThrottleEvent EnqueueResetRequest"
	if strings.Join(known, " ") != want || strings.Join(unknown, " ") != want {
		t.Fatalf("known email: %v\nunknown email: %v\nwant both: %s", known, unknown, want)
	}
	err := f.db.View(context.Background(), func(tx gatehouse.Tx) error {
		mail, err := tx.PendingMail(time.Now().Add(time.Hour), 10)
		if err == nil && len(mail) != 0 {
			t.Errorf("the request queued mail itself: %+v", mail)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	mb.one("kim@acme.test", "/reset-password") // the worker, after the answer
	mb.none()
}

// Finding 7: requests are throttled per email (5 an hour) and per address
// (20 an hour); the 6th request for an email sends no more mail, whoever
// asks, and an unknown email is throttled alike.
func TestPasswordResetRequestsAreThrottled(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	clk := f.fakeClock()
	mb := f.mailbox()
	f.activeUser(f.admin, service.UserInput{FirstName: "Kim", LastName: "Known", Email: "kim@acme.test"})
	mb.receive()
	answers := func(email string) []string {
		var out []string
		for i := range 50 {
			err := f.svc.RequestPasswordReset(from(fmt.Sprintf("203.0.113.%d:1", i)), email)
			if err != nil {
				e := wantCode(t, err, gatehouse.ETOOMANY)
				out = append(out, fmt.Sprintf("%s %v", e.Code, e.RetryAfter))
			} else {
				out = append(out, "accepted")
			}
		}
		return out
	}
	// Fifty addresses asking for one email: every request is answered
	// alike (nobody can block a victim's own request), and five links are
	// mailed, the latest of which works.
	known := answers("kim@acme.test")
	if got := mb.receive(); len(got) != 5 {
		t.Fatalf("50 requests sent %d mails, want 5", len(got))
	}
	unknown := answers("nobody@acme.test")
	if strings.Join(known, ",") != strings.Join(unknown, ",") || known[49] != "accepted" {
		t.Fatalf("known email: %v\nunknown email: %v", known, unknown)
	}
	// One address asking for one email: the sixth in the hour waits.
	pair := func(email string) []string {
		var out []string
		for range 6 {
			if err := f.svc.RequestPasswordReset(from("192.0.2.9:1"), email); err != nil {
				e := wantCode(t, err, gatehouse.ETOOMANY)
				out = append(out, fmt.Sprintf("%s %v", e.Code, e.RetryAfter))
			} else {
				out = append(out, "accepted")
			}
		}
		return out
	}
	known, unknown = pair("kim@acme.test"), pair("nobody@acme.test")
	if strings.Join(known, ",") != strings.Join(unknown, ",") || known[4] != "accepted" || known[5] != "rate_limited 1h0m0s" {
		t.Fatalf("one address, known email: %v\nunknown email: %v", known, unknown)
	}
	mb.none() // the hour's five links went out already
	clk.Advance(time.Hour)
	if err := f.svc.RequestPasswordReset(from("203.0.113.1:1"), "kim@acme.test"); err != nil {
		t.Fatalf("an hour later: %v", err)
	}
	mb.one("kim@acme.test", "/reset-password")

	// One address asking for many emails.
	for i := range 20 {
		if err := f.svc.RequestPasswordReset(from("198.51.100.2:1"), fmt.Sprintf("someone%d@acme.test", i)); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, f.svc.RequestPasswordReset(from("198.51.100.2:2"), "kim@acme.test"), gatehouse.ETOOMANY)
	mb.none()
}

// Nothing is lost once a request is answered: it waits in the database for
// any instance's worker, and one that a stopped worker had taken is taken
// again when its lease ends.
func TestQueuedPasswordResetSurvivesAStoppedInstance(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	ctx := context.Background()
	clk := f.fakeClock()
	mb := f.mailbox()
	f.activeUser(f.admin, service.UserInput{FirstName: "Kim", LastName: "Known", Email: "kim@acme.test"})
	mb.receive()
	if err := f.svc.RequestPasswordReset(from("192.0.2.1:1"), "kim@acme.test"); err != nil {
		t.Fatal(err)
	}
	// A worker takes it and stops before handling it.
	err := f.db.Update(ctx, func(tx gatehouse.Tx) error {
		due, err := tx.DueResetRequests(clk.Now(), 10)
		if err != nil || len(due) != 1 {
			t.Fatalf("due: %v %v", due, err)
		}
		ok, err := tx.ClaimResetRequest(due[0].ID, clk.Now(), clk.Now().Add(2*time.Minute))
		if !ok {
			t.Fatal("claim")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	other := f.secondInstance() // another instance, or this one restarted, on the fixture's clock
	if n, err := other.HandleResetRequests(ctx); n != 0 || err != nil {
		t.Fatalf("handled %d (%v) while another worker holds it", n, err)
	}
	clk.Advance(2 * time.Minute)
	if n, err := other.HandleResetRequests(ctx); n != 1 || err != nil {
		t.Fatalf("handled %d (%v) after the lease", n, err)
	}
	mb.one("kim@acme.test", "/reset-password")
	if n, err := f.svc.HandleResetRequests(ctx); n != 0 || err != nil {
		t.Fatalf("handled %d (%v) again", n, err)
	}
}

// emailChanged receives the two mails of an email change: the notice to the
// old address and the verification link to the new one, which it returns.
func (mb *mailbox) emailChanged(old, next string) email {
	mb.t.Helper()
	got := mb.receive()
	var notice, verify *email
	for i := range got {
		switch {
		case got[i].To == old && got[i].Path == "/sign-in":
			notice = &got[i]
		case got[i].To == next && got[i].Path == "/verify-email":
			verify = &got[i]
		}
	}
	if len(got) != 2 || notice == nil || verify == nil {
		mb.t.Fatalf("after changing %s to %s: %+v", old, next, got)
	}
	for _, say := range []string{next, "tell your administrator"} {
		if !strings.Contains(notice.Text, say) || !strings.Contains(notice.HTML, say) {
			mb.t.Fatalf("the notice to %s does not say %q:\n%s", old, say, notice.Text)
		}
	}
	return *verify
}

// Finding 1, its mail part: an admin sets an active user's email to an
// address they hold. The old address is told; sign-in and reset keep using
// it; the new address gets only a verification link, and becomes the email
// only once that is followed.
func TestChangedEmailWaitsForVerification(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	ctx := context.Background()
	mb := f.mailbox()
	target := f.activeUser(f.admin, service.UserInput{FirstName: "Tom", LastName: "Target", Email: "tom@acme.test"})
	mb.receive()
	evil := "attacker@evil.test"
	u, _, err := f.svc.UpdateUser(ctx, f.admin, target.ID, service.UserPatch{Email: &evil})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "tom@acme.test" || u.PendingEmail != evil || !u.EmailVerified {
		t.Fatalf("after the change: email %q pending %q verified %v", u.Email, u.PendingEmail, u.EmailVerified)
	}
	if got := f.getUser(target.ID); got.Email != "tom@acme.test" || got.PendingEmail != evil {
		t.Fatalf("stored: email %q pending %q", got.Email, got.PendingEmail)
	}
	verify := mb.emailChanged("tom@acme.test", evil)

	// The unverified address gets no reset link and does not sign in.
	if err := f.svc.RequestPasswordReset(from("203.0.113.66:1"), evil); err != nil {
		t.Fatal(err)
	}
	mb.none()
	wantCode(t, f.signInErr(evil, password, "203.0.113.66:1"), gatehouse.EUNAUTHORIZED)
	// The verified one still does both.
	f.signIn("tom@acme.test", password, "192.0.2.1:1")
	if err := f.svc.RequestPasswordReset(from("192.0.2.1:1"), "tom@acme.test"); err != nil {
		t.Fatal(err)
	}
	mb.one("tom@acme.test", "/reset-password")

	// Confirming makes the new address the email.
	confirmed, _, err := f.svc.ConfirmEmail(ctx, verify.Token)
	if err != nil || confirmed.Email != evil || confirmed.PendingEmail != "" || !confirmed.EmailVerified {
		t.Fatalf("confirmed: %+v %v", confirmed, err)
	}
	f.signIn(evil, password, "192.0.2.1:2")
	wantCode(t, f.signInErr("tom@acme.test", password, "192.0.2.1:3"), gatehouse.EUNAUTHORIZED)
	if err := f.svc.RequestPasswordReset(from("192.0.2.1:1"), evil); err != nil {
		t.Fatal(err)
	}
	mb.one(evil, "/reset-password")
}

// A pending change is withdrawn by asking for the current email again; a
// new email already used by someone is refused on field email, now or when
// its link is followed.
func TestPendingEmailWithdrawnOrTaken(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	ctx := context.Background()
	mb := f.mailbox()
	pat := f.activeUser(f.admin, service.UserInput{FirstName: "Pat", LastName: "Pending", Email: "pat@acme.test"})
	sam := f.activeUser(f.admin, service.UserInput{FirstName: "Sam", LastName: "Same", Email: "sam@acme.test"})
	mb.receive()
	next, current, taken := "pat.new@acme.test", "PAT@acme.test", "Sam@acme.test"
	must[*gatehouse.User](t)(func() (*gatehouse.User, error) {
		u, _, err := f.svc.UpdateUser(ctx, f.admin, pat.ID, service.UserPatch{Email: &next})
		return u, err
	}())
	stale := mb.emailChanged("pat@acme.test", next)
	// Asking again for the pending address changes nothing and mails nobody.
	if _, _, err := f.svc.UpdateUser(ctx, f.admin, pat.ID, service.UserPatch{Email: &next}); err != nil {
		t.Fatal(err)
	}
	mb.none()
	u, _, err := f.svc.UpdateUser(ctx, f.admin, pat.ID, service.UserPatch{Email: &current})
	if err != nil || u.PendingEmail != "" || u.Email != "pat@acme.test" {
		t.Fatalf("withdrawn: %+v %v", u, err)
	}
	mb.none()
	_, _, err = f.svc.ConfirmEmail(ctx, stale.Token)
	wantInvalid(t, err, "token", "changed since")

	_, _, err = f.svc.UpdateUser(ctx, f.admin, pat.ID, service.UserPatch{Email: &taken})
	if e := wantCode(t, err, gatehouse.ECONFLICT); e.Field != "email" {
		t.Fatalf("taken address: %+v", e)
	}
	bad := "not an address"
	_, _, err = f.svc.UpdateUser(ctx, f.admin, pat.ID, service.UserPatch{Email: &bad})
	wantCode(t, err, gatehouse.EINVALID)
	mb.none()

	// Two users wait for the same new address: the first to confirm has it.
	shared := "shared@acme.test"
	for _, id := range []string{pat.ID, sam.ID} {
		if _, _, err := f.svc.UpdateUser(ctx, f.admin, id, service.UserPatch{Email: &shared}); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{}
	for _, m := range mb.receive() {
		if m.Path == "/verify-email" {
			links[m.Token] = m.To
		}
	}
	if len(links) != 2 {
		t.Fatalf("verification links: %v", links)
	}
	var results []string
	for token := range links {
		_, _, err := f.svc.ConfirmEmail(ctx, token)
		results = append(results, gatehouse.ErrorCode(err))
	}
	if !(results[0] == "" && results[1] == gatehouse.ECONFLICT) {
		t.Fatalf("confirming both: %q", results)
	}
}

// A reset link never goes to an unverified address, even the user's email
// (as a change made before pending emails left it); verifying it first
// lets resets go there.
func TestPasswordResetNeverMailsAnUnverifiedAddress(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	ctx := context.Background()
	mb := f.mailbox()
	u := f.activeUser(f.admin, service.UserInput{FirstName: "Una", LastName: "Unverified", Email: "una@acme.test"})
	mb.receive()
	err := f.db.Update(ctx, func(tx gatehouse.Tx) error {
		u.EmailVerified = false
		return tx.UpdateUser(u)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RequestPasswordReset(from("192.0.2.1:1"), "una@acme.test"); err != nil {
		t.Fatal(err)
	}
	mb.none()
	if _, _, err := f.svc.ResendVerification(ctx, f.admin, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.ConfirmEmail(ctx, mb.one("una@acme.test", "/verify-email").Token); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RequestPasswordReset(from("192.0.2.1:1"), "una@acme.test"); err != nil {
		t.Fatal(err)
	}
	mb.one("una@acme.test", "/reset-password")
}

// The throttle is configuration: a service told to allow one reset
// request per email and address refuses the second, and one told nothing
// keeps the default of five.
func TestThrottleIsConfigured(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	for _, c := range []struct {
		throttle service.Throttle
		allowed  int
	}{{service.Throttle{ResetPerPair: 1}, 1}, {service.Throttle{}, service.DefaultThrottle().ResetPerPair}} {
		f.reconfigure(func(cfg *service.Config) { cfg.Throttle = c.throttle })
		email := fmt.Sprintf("limit%d@acme.test", c.allowed)
		for i := range c.allowed {
			if err := f.svc.RequestPasswordReset(from("192.0.2.9:1"), email); err != nil {
				t.Fatalf("%+v: request %d: %v", c.throttle, i+1, err)
			}
		}
		wantCode(t, f.svc.RequestPasswordReset(from("192.0.2.9:1"), email), gatehouse.ETOOMANY)
	}
}
