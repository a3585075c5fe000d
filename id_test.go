package gatehouse_test

import (
	"testing"

	"github.com/gatehouse/gatehouse"
)

func TestIDsGrowStrictlyWithinOneMillisecond(t *testing.T) {
	prev := gatehouse.NewID("x_")
	for i := 0; i < 10000; i++ {
		id := gatehouse.NewID("x_")
		if id <= prev {
			t.Fatalf("id %s after %s", id, prev)
		}
		if len(id) != len(prev) {
			t.Fatalf("length changed: %s", id)
		}
		prev = id
	}
}

func TestIsIDKnowsTheShapeNewIDMakes(t *testing.T) {
	id := gatehouse.NewID(gatehouse.PrefixUser)
	for _, tc := range []struct {
		prefix, s string
		want      bool
	}{
		{gatehouse.PrefixUser, id, true},
		{gatehouse.PrefixGroup, id, false},                  // another entity's id
		{gatehouse.PrefixUser, id[:len(id)-1], false},       // too short
		{gatehouse.PrefixUser, id + "0", false},             // too long
		{gatehouse.PrefixUser, id[:len(id)-1] + "u", false}, // u is not in the alphabet
		{gatehouse.PrefixUser, id[:len(id)-1] + "A", false}, // ids are lower case
		{gatehouse.PrefixUser, gatehouse.PrefixUser, false}, // a prefix alone
		{gatehouse.PrefixUser, "", false},
	} {
		if got := gatehouse.IsID(tc.prefix, tc.s); got != tc.want {
			t.Errorf("IsID(%q, %q) = %v, want %v", tc.prefix, tc.s, got, tc.want)
		}
	}
}
