package service

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/gatehouse/gatehouse"
)

// Password length limits: a minimum, and a maximum that bounds hashing cost.
const (
	minPassword = gatehouse.MinPasswordLen
	maxPassword = gatehouse.MaxPasswordLen
)

// A PasswordHasher hashes passwords and checks them against hashes.
type PasswordHasher interface {
	// Hash returns an encoded hash of password, with its parameters.
	Hash(password string) string
	// Matches checks password against an encoded hash in constant time.
	Matches(password, encoded string) bool
}

// Argon2id hashes passwords with argon2id at a cost of Time passes over
// Memory KiB in Threads lanes, with a 16-byte salt and a KeyLen-byte key.
// Matches reads the parameters stored with each hash, so hashes made with
// other parameters keep working.
type Argon2id struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
	KeyLen  uint32
}

// DefaultArgon2id returns the production parameters (RFC 9106's second
// recommended option): 64 MiB of memory, 3 passes, 2 lanes, a 32-byte key.
func DefaultArgon2id() Argon2id {
	return Argon2id{Time: 3, Memory: 64 * 1024, Threads: 2, KeyLen: 32}
}

// Hash returns an encoded argon2id hash of password.
func (a Argon2id) Hash(password string) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	key := argon2.IDKey([]byte(password), salt, a.Time, a.Memory, a.Threads, a.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, a.Memory, a.Time, a.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Matches checks password against an encoded argon2id hash in constant
// time, using the parameters stored with the hash.
func (Argon2id) Matches(password, encoded string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var memory, time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

//go:embed common-passwords.txt
var commonPasswordFile string

// commonPasswords is the embedded list, lower-cased.
var commonPasswords = sync.OnceValue(func() map[string]bool {
	set := map[string]bool{}
	for _, line := range strings.Split(commonPasswordFile, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			set[strings.ToLower(line)] = true
		}
	}
	return set
})

// validatePassword enforces the password rules: a minimum length, a maximum
// that bounds hashing cost, and not one of the most common passwords.
func validatePassword(password string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < minPassword:
		return gatehouse.Invalid("password", "password must have at least %d characters", minPassword)
	case n > maxPassword:
		return gatehouse.Invalid("password", "password must have at most %d characters", maxPassword)
	case commonPasswords()[strings.ToLower(password)]:
		return gatehouse.Invalid("password", "this password is among the most commonly used ones; choose another")
	}
	return nil
}
