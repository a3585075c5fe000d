package api

import (
	"runtime"
	"strconv"
	"sync"

	"github.com/gatehouse/gatehouse/api/checkjson"
	"github.com/gatehouse/gatehouse/authz"
)

// checkBatchResults is the answer of a check-batch, as documented; the
// encoder writes it.
type checkBatchResults struct {
	Results []checkjson.Decision `json:"results" doc:"One result per check, in the same order"`
}

// batchScratch is what a check-batch needs besides the decisions: the
// checks read and the answer written, about 250 kB for 1,000 checks, in
// parts that the machine's cores answer side by side. It is reused from
// batch to batch, since allocating it each time made the garbage collector
// a large part of a batch's cost.
type batchScratch struct {
	checks []checkjson.Check
	parts  []batchPart // the answer, in order: written one after another
	all    [maxBatchParts]batchPart
}

// A batchPart is the answer to a run of a batch's checks.
type batchPart struct {
	sources []authz.Source // the decisions' granted_by, one after another
	out     []byte
}

// maxBatchParts bounds how many cores answer one batch; minBatchPart is the
// fewest checks worth a core of their own (a goroutine costs about what
// a few checks do).
const (
	maxBatchParts = 4
	minBatchPart  = 128
)

var batchScratches = sync.Pool{New: func() any {
	return &batchScratch{checks: make([]checkjson.Check, 0, checkjson.MaxBatch)}
}}

// answer decides every check from snap and encodes the answer into the
// parts: the first opens the results, the last closes them.
func (bs *batchScratch) answer(snap *authz.Snapshot, checks []checkjson.Check) {
	n := min(runtime.GOMAXPROCS(0), maxBatchParts, max(len(checks)/minBatchPart, 1))
	size := (len(checks) + n - 1) / n
	bs.parts = bs.all[:(len(checks)+size-1)/size] // with the buffers of earlier batches
	var wg sync.WaitGroup
	for i := range bs.parts {
		lo, hi := i*size, min((i+1)*size, len(checks))
		part := &bs.parts[i]
		if i == len(bs.parts)-1 { // this goroutine answers the last part itself
			part.answer(snap, checks, lo, hi)
			break
		}
		wg.Go(func() { part.answer(snap, checks, lo, hi) })
	}
	wg.Wait()
}

// answer encodes the decisions of checks[lo:hi], as a part of the answer to
// all of checks.
func (p *batchPart) answer(snap *authz.Snapshot, checks []checkjson.Check, lo, hi int) {
	out := p.out[:0]
	if lo == 0 {
		out = append(out, `{"results":[`...)
	}
	for i := lo; i < hi; i++ {
		if i > 0 {
			out = append(out, ',')
		}
		var d checkjson.Decision
		d, p.sources = decide(snap, checks[i], p.sources)
		out = checkjson.AppendDecision(out, d)
	}
	if hi == len(checks) {
		out = append(out, "]}\n"...)
	}
	p.out = out
}

// contentLength is the length of the answer, in the parts.
func (bs *batchScratch) contentLength() string {
	n := 0
	for _, p := range bs.parts {
		n += len(p.out)
	}
	return strconv.Itoa(n)
}

// release returns the scratch to the pool, without what it points to.
func (bs *batchScratch) release() {
	clear(bs.checks[:cap(bs.checks)])
	bs.checks = bs.checks[:0]
	for i := range bs.parts {
		p := &bs.parts[i]
		clear(p.sources)
		p.sources, p.out = p.sources[:0], p.out[:0]
		if cap(p.out) > 1<<20 || cap(p.sources) > 4*checkjson.MaxBatch {
			return // an unusually large answer: let the collector have it
		}
	}
	bs.parts = nil
	batchScratches.Put(bs)
}
