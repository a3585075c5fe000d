package gatehouse

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"sync"
	"time"
)

// Id prefixes tell at a glance what an id names.
const (
	PrefixOrg        = "org_"
	PrefixUser       = "usr_"
	PrefixGroup      = "grp_"
	PrefixFacility   = "fac_"
	PrefixInvitation = "inv_"
	PrefixAPIKey     = "key_"
)

const idAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

var idEncoding = base32.NewEncoding(idAlphabet).WithPadding(base32.NoPadding)

// lastID makes ids from one process strictly increasing, even within one
// millisecond: the random part of a same-millisecond id is the previous
// one's plus a random step of up to 2^32, so neighbours stay unguessable.
var lastID struct {
	sync.Mutex
	ms   uint64
	rand [10]byte
}

// NewID returns prefix followed by 26 characters: 48 bits of milliseconds
// and 80 random bits, so that ids sort by creation (which keeps cursors
// stable and the audit log in order).
func NewID(prefix string) string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	lastID.Lock()
	if ms <= lastID.ms {
		ms = lastID.ms
		var step [4]byte
		if _, err := rand.Read(step[:]); err != nil {
			panic(err)
		}
		carry := uint64(binary.BigEndian.Uint32(step[:])) + 1
		for i := len(lastID.rand) - 1; i >= 0 && carry > 0; i-- {
			sum := uint64(lastID.rand[i]) + carry&0xff
			lastID.rand[i] = byte(sum)
			carry = carry>>8 + sum>>8
		}
	} else if _, err := rand.Read(lastID.rand[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	lastID.ms = ms
	copy(b[6:], lastID.rand[:])
	lastID.Unlock()
	binary.BigEndian.PutUint16(b[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(b[2:6], uint32(ms))
	return prefix + idEncoding.EncodeToString(b[:])
}

// idLength is the length of an id after its prefix: 128 bits in base32.
const idLength = 26

// IsID reports whether s has the shape of an id NewID(prefix) makes: the
// prefix, then 26 characters of the id alphabet. It says nothing about
// whether the id exists; it refuses what NewID cannot have made.
func IsID(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len(rest) != idLength {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if !strings.ContainsRune(idAlphabet, rune(rest[i])) {
			return false
		}
	}
	return true
}

// NewToken returns a secret of 256 random bits, printable, with a prefix that
// lets secret scanners recognise it (e.g. "ghk_" for API keys).
func NewToken(prefix string) string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return prefix + idEncoding.EncodeToString(b[:])
}

// HashToken is how secrets are stored: tokens are long and random, so a
// plain SHA-256 is enough and lets the store look them up by hash.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// TokenMatches compares a presented token with a stored hash in constant time.
func TokenMatches(token, hash string) bool {
	h := HashToken(token)
	return subtle.ConstantTimeCompare([]byte(h), []byte(hash)) == 1
}
