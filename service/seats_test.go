package service_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

func seats(n int) *int { return &n }

// A licence tier's seats cap its active and invited users: every way of
// taking a seat (invite, licence change, reactivation, bulk) is refused
// past it with a 409 naming the tier and its seats, and a deactivated user
// frees theirs.
func TestLicenceSeats(t *testing.T) {
	f := newFixture(t, "compliance")
	ctx, admin := context.Background(), f.admin
	invite := func(i int, licence string) (*service.Invited, error) {
		return f.svc.InviteUser(ctx, admin, service.UserInput{FirstName: "U", LastName: fmt.Sprint(i), Email: fmt.Sprintf("u%d@s.test", i), Licence: licence})
	}
	if _, _, err := f.svc.SetLicenceSeats(ctx, admin, "read_report", seats(2)); err != nil {
		t.Fatal(err)
	}
	a := must[*service.Invited](t)(invite(1, "read_report"))
	must[*service.Invited](t)(invite(2, "read_report"))
	_, err := invite(3, "read_report")
	e := wantCode(t, err, gatehouse.ECONFLICT)
	if e.Reason != string(gatehouse.ReasonSeatsExhausted) || !strings.Contains(e.Message, "Read") || !strings.Contains(e.Message, "2 seats") {
		t.Errorf("refusal = %+v, want the tier and its 2 seats named", e)
	}
	other := must[*service.Invited](t)(invite(4, "external_auditor"))
	rr := "read_report"
	_, _, err = f.svc.UpdateUser(ctx, admin, other.User.ID, service.UserPatch{Licence: &rr})
	wantCode(t, err, gatehouse.ECONFLICT)

	// Deactivating frees a seat; reactivating takes it back, once free.
	must[*gatehouse.User](t)(func() (*gatehouse.User, error) {
		u, _, err := f.svc.DeactivateUser(ctx, admin, a.User.ID)
		return u, err
	}())
	if _, _, err := f.svc.UpdateUser(ctx, admin, other.User.ID, service.UserPatch{Licence: &rr}); err != nil {
		t.Fatalf("a freed seat: %v", err)
	}
	_, _, err = f.svc.ActivateUser(ctx, admin, a.User.ID)
	wantCode(t, err, gatehouse.ECONFLICT)
	_, _, err = f.svc.BulkUsers(ctx, admin, service.BulkInput{Action: service.BulkActivate, UserIDs: []string{a.User.ID}})
	wantCode(t, err, gatehouse.ECONFLICT)

	// Seats below those in use are refused; unlimited again lets everyone in.
	_, _, err = f.svc.SetLicenceSeats(ctx, admin, "read_report", seats(1))
	if e := wantCode(t, err, gatehouse.ECONFLICT); e.Reason != string(gatehouse.ReasonSeatsInUse) {
		t.Errorf("reason = %q", e.Reason)
	}
	list := must[[]service.LicenceSeats](t)(f.svc.Licences(ctx, admin))
	for _, l := range list {
		if l.Licence.Name == "read_report" && (l.Used != 2 || *l.Seats != 2 || *l.Free() != 0) {
			t.Errorf("read_report: used %d seats %d free %d, want 2 2 0", l.Used, *l.Seats, *l.Free())
		}
		if l.Licence.Name == "external_auditor" && l.Seats != nil {
			t.Errorf("external_auditor has seats %d, never set", *l.Seats)
		}
	}
	if _, _, err := f.svc.SetLicenceSeats(ctx, admin, "read_report", nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.ActivateUser(ctx, admin, a.User.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.SetLicenceSeats(ctx, admin, "no_such_tier", seats(1))
	wantCode(t, err, gatehouse.ENOTFOUND)
	events := must[[]*gatehouse.AuditEvent](t)(f.svc.AuditEvents(ctx, admin, gatehouse.AuditFilter{Action: "licence.seats_set", Limit: 10}))
	if len(events) != 2 {
		t.Errorf("%d licence.seats_set events, want 2", len(events))
	}
}

// Concurrent invitations never take more seats than the tier has: the
// count happens inside each write, under the organization's lock.
func TestLicenceSeatsHoldUnderConcurrentWrites(t *testing.T) {
	f := newFixture(t, "compliance")
	ctx, admin := context.Background(), f.admin
	if _, _, err := f.svc.SetLicenceSeats(ctx, admin, "action", seats(5)); err != nil {
		t.Fatal(err)
	}
	// Two services on one database, as two instances would be.
	other := service.New(f.db, f.config())
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := f.svc
			if i%2 == 1 {
				svc = other
			}
			_, err := svc.InviteUser(ctx, admin, service.UserInput{FirstName: "C", LastName: fmt.Sprint(i), Email: fmt.Sprintf("c%d@s.test", i), Licence: "action"})
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			} else if gatehouse.ErrorCode(err) != gatehouse.ECONFLICT {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	list := must[[]service.LicenceSeats](t)(f.svc.Licences(ctx, admin))
	for _, l := range list {
		if l.Licence.Name == "action" && (l.Used != 5 || ok != 5) {
			t.Errorf("action: %d seats used, %d invitations accepted; want 5 and 5", l.Used, ok)
		}
	}
}
