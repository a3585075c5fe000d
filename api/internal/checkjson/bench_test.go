package checkjson

import (
	"fmt"
	"strings"
	"testing"
)

// batchBody is a check-batch of n checks of the usual shape: ids of the
// server's form, a facility and an item's creator or assignee.
func batchBody(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"checks":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"user_id":"usr_01jd6c3v9k8m2n4p6q8r%06d","permission":"work_orders.view","resource":{"facility_id":"fac_01jd6c3v9k8m2n4p6q8%06d","created_by":"usr_01jd6c3v9k8m2n4p6q8r%06d"}}`, i, i%97, i%13)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// BenchmarkAppendBatch reads a 1,000-check batch into a reused slice, as
// the check-batch route does.
func BenchmarkAppendBatch(b *testing.B) {
	body := batchBody(MaxBatch)
	dst := make([]Check, 0, MaxBatch)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		checks, ok := AppendBatch(dst[:0], body)
		if !ok || len(checks) != MaxBatch {
			b.Fatal("not read")
		}
	}
}

// BenchmarkAppendDecisions writes 1,000 decisions of the usual shape.
func BenchmarkAppendDecisions(b *testing.B) {
	d := Decision{Allowed: true, Reason: "granted", Message: "granted through work_orders.view", Revision: 12345}
	out := make([]byte, 0, 256*MaxBatch)
	b.ReportAllocs()
	for b.Loop() {
		out = out[:0]
		for range MaxBatch {
			out = AppendDecision(out, d)
		}
	}
	b.SetBytes(int64(len(out)))
}
