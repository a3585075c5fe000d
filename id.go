package gatehouse

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
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

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns prefix followed by 26 characters: 48 bits of milliseconds
// (so ids sort by creation, which keeps cursors stable) and 80 random bits.
func NewID(prefix string) string {
	var b [16]byte
	ms := uint64(time.Now().UnixMilli())
	binary.BigEndian.PutUint16(b[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(b[2:6], uint32(ms))
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + idEncoding.EncodeToString(b[:])
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
