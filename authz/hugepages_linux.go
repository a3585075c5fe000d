package authz

import (
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"unsafe"
)

// A large organization's records are looked up at random: a check of a
// user cold in the cache costs a page-table walk for the slot and another
// for the record, and under a hypervisor each walk is itself a chain of
// misses. On 2 MiB pages the whole table takes a few TLB entries. With the
// bench's 100,000 users, answering a 1,000-check batch took 0.37–0.51 ms
// on huge pages against 0.51–0.67 ms without (docs/benchmarks.md).
//
// Go's heap asks for no huge pages, and most Linux systems give them only
// where asked (transparent_hugepage "madvise"), so the records' arena asks:
// MADV_HUGEPAGE for the pages it will fault in, and MADV_COLLAPSE, in the
// background, for those Go's allocator had already faulted in small. Both
// are advice: if the kernel declines, or predates them, nothing changes but
// speed. Nothing is asked where transparent huge pages are "never" (turned
// off) or "always" (given without asking), nor under GODEBUG=disablethp=1,
// Go's own switch to keep its heap off them.
//
// The advice belongs to the address range, not to the arena: once the
// arena is freed, its range goes back to MADV_NOHUGEPAGE, which in
// "madvise" mode is what the rest of the heap has, so that the objects Go
// puts there later are not laid on huge pages that nobody asked for.

// madvCollapse is MADV_COLLAPSE (Linux 6.1), which package syscall lacks.
const madvCollapse = 25

var hugePagesAsked = sync.OnceValue(func() bool {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	return err == nil && strings.Contains(string(mode), "[madvise]") &&
		!strings.Contains(os.Getenv("GODEBUG"), "disablethp=1")
})

// adviseHugePages asks for the whole 2 MiB pages within b to be huge
// pages. Only arenas of at least two huge pages ask: a smaller one holds
// at most one whole page, too little to matter, and each request splits
// the heap's mapping in the kernel.
func adviseHugePages(b []byte) {
	if len(b) < 2*hugePageSize || !hugePagesAsked() {
		return
	}
	// The address is only used to find the page boundaries within b.
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	from := (start + hugePageSize - 1) &^ (hugePageSize - 1)
	to := (start + uintptr(len(b))) &^ (hugePageSize - 1)
	whole := b[from-start : to-start]
	if syscall.Madvise(whole, syscall.MADV_HUGEPAGE) != nil {
		return
	}
	runtime.AddCleanup(unsafe.SliceData(b), adviseSmallPages, pageRange{from, to - from})
	// Collapsing copies the pages already faulted in, about 3 ms a MiB:
	// not while the organization's compile holds its lock. Looks-ups read
	// the records meanwhile as before.
	go syscall.Madvise(whole, madvCollapse)
}

type pageRange struct{ start, len uintptr }

// adviseSmallPages takes back the advice of a freed arena's range. The range
// stays mapped (Go's heap never unmaps), whatever lies there now.
func adviseSmallPages(r pageRange) {
	syscall.Syscall(syscall.SYS_MADVISE, r.start, r.len, syscall.MADV_NOHUGEPAGE)
}
