package authz

import (
	"encoding/binary"
	"slices"
)

// A table is an immutable hash table from string keys to byte records, all
// in one []byte: an open-addressing index of (fingerprint, offset) slots,
// then the records, each [key length][payload length][key][payload].
//
// It exists for cache behaviour. A look-up reads one slot and then one
// record, which holds the key it is compared with and everything a decision
// needs, in adjacent bytes; a map of pointers would add a cache miss for
// the key, one for the entry and one for each of the entry's slices. Records
// hold no pointers, so the garbage collector never scans them.
type table []byte

const (
	tableHeader  = 8 // slot mask, record count
	slotSize     = 8 // fingerprint, record offset (0: empty)
	recordHeader = 8 // key length, payload length
)

var le = binary.LittleEndian

// hugePageSize is the size of the huge pages a large arena of records asks
// for (hugepages_linux.go).
const hugePageSize = 2 << 20

// hashOf is the hash of a table's keys, seeded per snapshot. Keys are ids
// the server generated, which end in random characters (see
// gatehouse.NewID), so it mixes the last 16 bytes, the first 8 and the
// length rather than every byte: a look-up hashes in 2 ns instead of
// hash/maphash's 5. Keys are always compared in full; a poor spread could
// only make look-ups slower, never wrong.
func hashOf[K string | []byte](seed uint64, key K) uint64 {
	n := len(key)
	var a, b uint64
	switch {
	case n >= 16:
		a, b = load64(key[n-8:]), load64(key[n-16:])^load64(key)
	case n >= 8:
		a, b = load64(key[n-8:]), load64(key)
	default:
		for i := range n {
			a |= uint64(key[i]) << (8 * i)
		}
	}
	h := (a ^ seed) * 0x9e3779b97f4a7c15
	h ^= (b ^ uint64(n)) * 0xc2b2ae3d27d4eb4f
	h ^= h >> 33 // murmur3's finalizer: every bit of the input reaches every bit
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// load64 reads 8 bytes of s, little-endian, in one load.
func load64[K string | []byte](s K) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// probe returns the payload recorded for key, whose hash is h, or nil;
// mask is the table's slot mask, which the shard keeps so that a look-up
// need not read the table's header: it loads one slot and one record.
func (t table) probe(mask, h uint64, key string) []byte {
	fp := h >> 32
	for i := h & mask; ; i = (i + 1) & mask {
		slot := le.Uint64(t[tableHeader+i*slotSize:]) // fingerprint, then offset
		off := slot >> 32
		if off == 0 {
			return nil
		}
		if slot&0xffffffff != fp {
			continue
		}
		lens := le.Uint64(t[off:]) // key length, then payload length
		start := off + recordHeader
		klen, plen := lens&0xffffffff, lens>>32
		if string(t[start:start+klen]) == key {
			return t[start+klen : start+klen+plen : start+klen+plen]
		}
	}
}

// len is the number of records.
func (t table) len() int {
	if len(t) == 0 {
		return 0
	}
	return int(le.Uint32(t[4:]))
}

// each calls fn with every record, in the order they were built.
func (t table) each(fn func(key, payload []byte)) {
	if len(t) == 0 {
		return
	}
	off := tableHeader + (int(le.Uint32(t))+1)*slotSize
	for range t.len() {
		klen, plen := int(le.Uint32(t[off:])), int(le.Uint32(t[off+4:]))
		start := off + recordHeader
		fn(t[start:start+klen:start+klen], t[start+klen:start+klen+plen:start+klen+plen])
		off = start + klen + plen
	}
}

// A record is one key and payload of a table being built.
type record struct {
	key     []byte
	hash    uint64
	payload []byte
}

// buildTable lays out records (with distinct keys) as a table, its index at
// most half full so that a look-up rarely probes a second slot.
func buildTable(recs []record) table {
	return buildTableIn(nil, recs)
}

// tableSize is how many bytes buildTable lays recs out in.
func tableSize(recs []record) int {
	if len(recs) == 0 {
		return 0
	}
	size := tableHeader + tableSlots(len(recs))*slotSize
	for _, r := range recs {
		size += recordHeader + len(r.key) + len(r.payload)
	}
	return size
}

func tableSlots(n int) int {
	slots := 4
	for slots < 2*n {
		slots *= 2
	}
	return slots
}

// buildTableIn is buildTable in buf, which holds tableSize(recs) zero bytes
// (nil: a new allocation).
func buildTableIn(buf []byte, recs []record) table {
	if len(recs) == 0 {
		return nil
	}
	slots := tableSlots(len(recs))
	t := table(buf)
	if t == nil {
		t = make(table, tableSize(recs))
	}
	mask := uint64(slots - 1)
	le.PutUint32(t, uint32(mask))
	le.PutUint32(t[4:], uint32(len(recs)))
	off := tableHeader + slots*slotSize
	for _, r := range recs {
		for i := r.hash & mask; ; i = (i + 1) & mask {
			slot := t[tableHeader+i*slotSize:]
			if le.Uint32(slot[4:]) == 0 {
				le.PutUint32(slot, uint32(r.hash>>32))
				le.PutUint32(slot[4:], uint32(off))
				break
			}
		}
		le.PutUint32(t[off:], uint32(len(r.key)))
		le.PutUint32(t[off+4:], uint32(len(r.payload)))
		off += recordHeader
		off += copy(t[off:], r.key)
		off += copy(t[off:], r.payload)
	}
	return t
}

// A shardedTable splits a table by hash, so that a write rebuilds one shard
// rather than the whole table (snapshots are copy-on-write).
type shardedTable struct {
	seed   uint64
	shards []shard
	shift  uint // shard = hash >> shift
}

// A shard is a table with its slot mask, so that a look-up reads the mask
// with the table's address rather than from the table.
type shard struct {
	t    table
	mask uint64
}

func newShard(t table) shard {
	if len(t) == 0 {
		return shard{}
	}
	return shard{t: t, mask: uint64(le.Uint32(t))}
}

func newShardedTable(seed uint64, bits uint) shardedTable {
	return shardedTable{seed: seed, shards: make([]shard, 1<<bits), shift: 64 - bits}
}

func (st *shardedTable) hash(key []byte) uint64 { return hashOf(st.seed, key) }

func (st *shardedTable) find(key string) []byte {
	h := hashOf(st.seed, key)
	sh := &st.shards[h>>st.shift]
	if sh.t == nil {
		return nil
	}
	return sh.t.probe(sh.mask, h, key)
}

// len is the number of records of every shard.
func (st *shardedTable) len() int {
	n := 0
	for _, sh := range st.shards {
		n += sh.t.len()
	}
	return n
}

// build fills every shard from recs, whose hashes it sets.
func (st *shardedTable) build(recs []record) {
	counts := make([]int, len(st.shards)+1)
	for i := range recs {
		recs[i].hash = st.hash(recs[i].key)
		counts[recs[i].hash>>st.shift+1]++
	}
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	sorted := make([]record, len(recs))
	next := append([]int(nil), counts[:len(st.shards)]...)
	for _, r := range recs {
		i := r.hash >> st.shift
		sorted[next[i]] = r
		next[i]++
	}
	// One allocation for every shard: a compiled organization's records lie
	// together in memory, on as few pages as they fit in.
	total := 0
	for i := range st.shards {
		total += tableSize(sorted[counts[i]:counts[i+1]])
	}
	arena := make([]byte, total)
	adviseHugePages(arena) // before the records are written: they fault in as huge pages
	for i := range st.shards {
		recs := sorted[counts[i]:counts[i+1]]
		n := tableSize(recs)
		st.shards[i] = newShard(buildTableIn(arena[:n:n], recs))
		arena = arena[n:]
	}
}

// with returns a copy of st in which upserts replace or join the records
// with the same keys and the keys of deletes are gone; a key in both is
// upserted. Only the shards they fall in are rebuilt; the others are shared.
// added is how many more records the copy holds (negative for fewer).
func (st shardedTable) with(upserts []record, deletes []string) (next shardedTable, added int) {
	next = st
	next.shards = append([]shard(nil), st.shards...)
	var touched []uint64
	touch := func(i uint64) {
		if !slices.Contains(touched, i) {
			touched = append(touched, i)
		}
	}
	// Keys whose old records go: deleted or replaced. A set, so that a
	// write of thousands of users (an import) costs its size, not its size
	// times the organization's.
	gone := make(map[string]bool, len(deletes)+len(upserts))
	for _, key := range deletes {
		gone[key] = true
		touch(hashOf(st.seed, key) >> st.shift)
	}
	for i := range upserts {
		upserts[i].hash = st.hash(upserts[i].key)
		gone[string(upserts[i].key)] = true
		touch(upserts[i].hash >> st.shift)
	}
	for _, i := range touched {
		old := st.shards[i].t
		recs := make([]record, 0, old.len()+len(upserts))
		old.each(func(key, payload []byte) {
			if !gone[string(key)] {
				recs = append(recs, record{key: key, hash: st.hash(key), payload: payload})
			}
		})
		at := map[string]int{} // key → index in recs of the shard's upserts
		for _, r := range upserts {
			if r.hash>>st.shift != i {
				continue
			}
			if j, ok := at[string(r.key)]; ok {
				recs[j] = r // the later of two upserts of one key wins
				continue
			}
			at[string(r.key)] = len(recs)
			recs = append(recs, r)
		}
		next.shards[i] = newShard(buildTable(recs))
		added += len(recs) - old.len()
	}
	return next, added
}
