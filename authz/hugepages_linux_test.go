package authz

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// TestHugePageAdviceEndsWithTheArena: an arena large enough asks for huge
// pages on its range, and once the arena is freed the range is advised
// back to small pages, so that objects Go puts there later are not laid on
// huge pages nobody asked for.
func TestHugePageAdviceEndsWithTheArena(t *testing.T) {
	if !hugePagesAsked() {
		t.Skip("transparent huge pages are not in madvise mode here (or GODEBUG=disablethp=1): nothing is asked")
	}
	arena := make([]byte, 8<<20)
	mid := uintptr(unsafe.Pointer(unsafe.SliceData(arena))) + 4<<20 // within a whole huge page
	adviseHugePages(arena)
	if flags := vmFlags(t, mid); !slices.Contains(flags, "hg") {
		t.Fatalf("the arena's range was not advised to huge pages: VmFlags %v", flags)
	}
	arena = nil
	deadline := time.Now().Add(30 * time.Second)
	for {
		runtime.GC() // frees the arena once the background collapse has let go of it
		if flags := vmFlags(t, mid); slices.Contains(flags, "nh") {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("the freed arena's range kept its advice: VmFlags %v", flags)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// vmFlags returns the VmFlags (/proc/self/smaps) of the mapping holding addr.
func vmFlags(t *testing.T, addr uintptr) []string {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x ", &lo, &hi); n == 2 {
			in = lo <= addr && addr < hi
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.Fields(strings.TrimPrefix(line, "VmFlags:"))
		}
	}
	t.Fatalf("no mapping holds %#x", addr)
	return nil
}
