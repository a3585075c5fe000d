package service_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// An invitation wrong in several fields is refused with every field at
// fault at once, each in words, and nothing is written.
func TestInviteListsEveryFieldErrorInWords(t *testing.T) {
	f := newFixture(t, "compliance")
	ctx := context.Background()
	_, err := f.svc.InviteUser(ctx, f.admin, service.UserInput{LastName: " ", Email: "nope", Phone: "call me maybe",
		Licence: "platinum", GroupIDs: []string{"grp_nope"}, FacilityIDs: []string{"fac_nope"}})
	e := wantCode(t, err, gatehouse.EINVALID)
	var got []string
	for _, fe := range e.Fields {
		got = append(got, fe.Code+" "+fe.Field+": "+fe.Message)
	}
	want := []string{
		"invalid first_name: First name is required",
		"invalid last_name: Last name is required",
		`invalid email: Email "nope" is not an email address`,
		"invalid phone: Phone must be in international format: a + and the country code first, like +44 20 7946 0000",
		`invalid licence: unknown licence "platinum"; one of: external_auditor, read_report, administrator, action, approval`,
		"not_found group_ids: Groups: grp_nope not found",
		"not_found facility_ids: Facilities: fac_nope not found",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("field errors:\n%q\nwant:\n%q", got, want)
	}
	if e.Field != "first_name" || e.Message != "First name is required" {
		t.Fatalf("the error's own field and message are not the first: %+v", e)
	}
	if users, _ := f.svc.ListUsers(ctx, f.admin, gatehouse.UserFilter{}); len(users) != 1 {
		t.Fatalf("%d users after a refused invitation, want 1", len(users))
	}
	// One field at fault: one entry, the error itself.
	_, err = f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "A", LastName: "B", Email: "a@acme.test", Phone: "12"})
	if e := wantCode(t, err, gatehouse.EINVALID); len(e.Fields) != 1 || e.Fields[0].Field != "phone" || e.Field != "phone" {
		t.Fatalf("one field at fault: %+v", e)
	}
}

// Phones are checked and stored in E.164; "call me maybe" is refused; a
// phone stored before phones were checked stays as it was, readable, and
// does not stop other edits of its user.
func TestPhonesAreStoredInE164(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	for phone, want := range map[string]string{
		"":                   "",
		"+44 20 7946 0000":   "+442079460000",
		"+1 (202) 555-0100":  "+12025550100",
		" +33 1 23 45 67 89": "+33123456789",
	} {
		inv, err := f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "P", LastName: "H", Email: "p" + want + "@acme.test", Phone: phone})
		if err != nil || inv.User.Phone != want || f.getUser(inv.User.ID).Phone != want {
			t.Fatalf("phone %q: %v, %+v; want %q", phone, err, inv, want)
		}
	}
	for phone, message := range map[string]string{
		"call me maybe":  "Phone must be in international format: a + and the country code first, like +44 20 7946 0000",
		"020 7946 0000":  "Phone must be in international format: a + and the country code first, like +44 20 7946 0000",
		"+1 555 0100":    `Phone "+1 555 0100" is not a valid phone number: write it in international format, like +44 20 7946 0000`,
		"+call me maybe": `Phone "+call me maybe" is not a valid phone number: write it in international format, like +44 20 7946 0000`,
	} {
		_, err := f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "P", LastName: "H", Email: "bad@acme.test", Phone: phone})
		if e := wantCode(t, err, gatehouse.EINVALID); e.Field != "phone" || e.Message != message {
			t.Fatalf("phone %q: %+v, want %q", phone, e, message)
		}
	}
	// A phone stored as it was written, before Gatehouse checked phones.
	inv, err := f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "Old", LastName: "Timer", Email: "old@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.Update(ctx, func(tx gatehouse.Tx) error {
		u, err := tx.FindUser(f.org.Org.ID, inv.User.ID)
		if err != nil {
			return err
		}
		u.Phone = "call me maybe"
		return tx.UpdateUser(u)
	}); err != nil {
		t.Fatal(err)
	}
	name := "Oldest"
	u, _, err := f.svc.UpdateUser(ctx, f.admin, inv.User.ID, service.UserPatch{FirstName: &name})
	if err != nil || u.Phone != "call me maybe" {
		t.Fatalf("an edit that leaves a legacy phone alone: %v, %+v", err, u)
	}
	if _, _, err := f.svc.DeactivateUser(ctx, f.admin, inv.User.ID); err != nil {
		t.Fatalf("deactivating a user with a legacy phone: %v", err)
	}
	// Changing it checks it.
	phone := "call me later"
	_, _, err = f.svc.UpdateUser(ctx, f.admin, inv.User.ID, service.UserPatch{Phone: &phone})
	if e := wantCode(t, err, gatehouse.EINVALID); e.Field != "phone" {
		t.Fatalf("a changed legacy phone: %+v", e)
	}
	phone = "+44 20 7946 0001"
	if u, _, err = f.svc.UpdateUser(ctx, f.admin, inv.User.ID, service.UserPatch{Phone: &phone}); err != nil || u.Phone != "+442079460001" {
		t.Fatalf("a corrected legacy phone: %v, %+v", err, u)
	}
}
