package api

import (
	"strconv"
	"sync"

	"github.com/gatehouse/gatehouse/api/internal/checkjson"
	"github.com/gatehouse/gatehouse/authz"
)

// checkBatchResults is the answer of a check-batch, as documented; the
// encoder writes it.
type checkBatchResults struct {
	Results []checkjson.Decision `json:"results" doc:"One result per check, in the same order"`
}

// batchScratch is what a check-batch needs besides the decisions: the
// checks read, their sources and the answer written, about 250 kB for
// 1,000 checks. It is reused from batch to batch, since allocating it each
// time made the garbage collector a large part of a batch's cost.
//
// The checks are answered one after another. Answering them in parts on
// both cores measured no faster on the 2-core machine this was built on,
// whose two cores ran two busy goroutines no faster than one
// (docs/benchmarks.md).
type batchScratch struct {
	checks  []checkjson.Check
	sources []authz.Source // the decisions' granted_by, one after another
	out     []byte
}

var batchScratches = sync.Pool{New: func() any {
	return &batchScratch{checks: make([]checkjson.Check, 0, checkjson.MaxBatch),
		sources: make([]authz.Source, 0, 2*checkjson.MaxBatch), out: make([]byte, 0, 256*checkjson.MaxBatch)}
}}

// answer decides every check from snap and encodes the answer.
func (bs *batchScratch) answer(snap *authz.Snapshot, checks []checkjson.Check) {
	out := append(bs.out[:0], `{"results":[`...)
	for i, c := range checks {
		if i > 0 {
			out = append(out, ',')
		}
		var d checkjson.Decision
		d, bs.sources = decide(snap, c, bs.sources)
		out = checkjson.AppendDecision(out, d)
	}
	bs.out = append(out, "]}\n"...)
}

// contentLength is the length of the answer.
func (bs *batchScratch) contentLength() string { return strconv.Itoa(len(bs.out)) }

// release returns the scratch to the pool, without what it points to, unless
// a batch grew it beyond what a batch of the largest size needs (a refused
// body read past its limit, or answers of uncommon length): kept, it would
// be cleared in full at every release.
func (bs *batchScratch) release() {
	clear(bs.checks[:cap(bs.checks)])
	clear(bs.sources)
	bs.checks, bs.sources, bs.out = bs.checks[:0], bs.sources[:0], bs.out[:0]
	if cap(bs.checks) <= checkjson.MaxBatch && cap(bs.out) <= 1<<20 && cap(bs.sources) <= 4*checkjson.MaxBatch {
		batchScratches.Put(bs)
	}
}
