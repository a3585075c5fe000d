package gatehouse

// The rules of input, in one place: the service validates by them, and the
// OpenAPI document states them from these same constants, so that a
// request the document allows is one the service takes (but for the
// checks that need the organization's state: a known licence, an unused
// email).
const (
	// MaxTextLen bounds a one-line text (a name, an email, a phone, an
	// external id), in characters.
	MaxTextLen = 200
	// MaxDescriptionLen bounds a group's description, in characters.
	MaxDescriptionLen = 2000
	// MinPasswordLen is the shortest password, in characters.
	MinPasswordLen = 10
	// MaxPasswordBytes bounds a password, in bytes (hashing cost).
	MaxPasswordBytes = 256
	// MaxSafeInteger is the largest integer a number in a request may hold
	// (revisions): the largest every JSON reader keeps exact.
	MaxSafeInteger = 1<<53 - 1
)

// Patterns of one-line texts, as regular expressions that both Go and
// JSON Schema (ECMA-262) read alike: no line break or NUL, and for a
// required text, something besides spaces.
const (
	OneLinePattern         = `^[^\r\n\x00]*$`
	RequiredOneLinePattern = `^[^\r\n\x00]*[^\s\x00][^\r\n\x00]*$`
)
