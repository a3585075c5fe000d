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

// argon2id parameters (RFC 9106's second recommended option): 64 MiB of
// memory, 3 passes, 2 lanes, a 16-byte salt and a 32-byte key.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
	minPassword  = gatehouse.MinPasswordLen
	maxPassword  = gatehouse.MaxPasswordBytes
)

// hashPassword returns an encoded argon2id hash of password.
func hashPassword(password string) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// passwordMatches checks password against an encoded argon2id hash in
// constant time, using the parameters stored with the hash.
func passwordMatches(password, encoded string) bool {
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
	case len(password) > maxPassword:
		return gatehouse.Invalid("password", "password must have at most %d bytes", maxPassword)
	case commonPasswords()[strings.ToLower(password)]:
		return gatehouse.Invalid("password", "this password is among the most commonly used ones; choose another")
	}
	return nil
}
