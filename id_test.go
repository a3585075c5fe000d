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
