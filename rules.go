package gatehouse

import "regexp"

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
	// MaxPasswordLen bounds a password, in characters as every length here
	// (and as JSON Schema's maxLength counts): at most 1 KiB to hash.
	MaxPasswordLen = 256
	// MaxSafeInteger is the largest integer a number in a request may hold
	// (revisions): the largest every JSON reader keeps exact.
	MaxSafeInteger = 1<<53 - 1
)

// Patterns of input texts, as regular expressions that both Go and JSON
// Schema (ECMA-262) read alike: they use no class escape (\s, \w, \d)
// whose meaning differs between the two, but explicit sets of characters.
const (
	// TextPattern: any text but NUL, which PostgreSQL's text cannot hold
	// (a group's description).
	TextPattern = `^[^\x00]*$`
	// OneLinePattern: no line break or NUL.
	OneLinePattern = `^[^\r\n\x00]*$`
	// RequiredOneLinePattern: one line with something visible: besides
	// spaces (what Go's unicode.IsSpace says) and the characters that show
	// nothing (invisibles), so that a name cannot look empty.
	RequiredOneLinePattern = `^[^\r\n\x00]*` + visibleChar + `[^\r\n\x00]*$`
	// EmailPattern: an address alone (local@domain, each dot-separated
	// atoms), no display name ("Ann <ann@acme.test>"), no comment, no
	// quoted local part, no spaces: what net/mail reads as just that
	// address, less the rarely used forms.
	EmailPattern = `^` + emailAtom + `+(\.` + emailAtom + `+)*@` + emailAtom + `+(\.` + emailAtom + `+)*$`
)

// unicodeSpaces are the spaces beyond ASCII that unicode.IsSpace knows,
// as the characters themselves: Go's regexp and ECMA-262 spell escapes
// above \xFF differently (\x{2028}, \u2028).
const unicodeSpaces = "\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

// invisibles are characters that show nothing — zero-width spaces and
// joiners, direction marks and overrides, the byte order mark, the soft
// hyphen, blank and filler letters (Braille, Hangul) — which a name made
// only of would look empty, and an email holding one would look like
// another's.
const invisibles = "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e" +
	"\u2060-\u2064\u2066-\u206f\u2800\u3164\ufeff\uffa0"

// visibleChar is one character that is neither a space nor invisible.
const visibleChar = `[^\t\n\v\f\r \x00` + unicodeSpaces + invisibles + `]`

// emailAtom is a character of an atom: not a control character, a space,
// an invisible character or one of RFC 5322's specials.
const emailAtom = `[^\x00-\x20\x7f"(),.:;<>@\[\\\]` + unicodeSpaces + invisibles + `]`

// visible finds a character that is neither a space nor invisible.
var visible = regexp.MustCompile(visibleChar)

// Blank reports whether s shows nothing: only spaces and invisible
// characters, or nothing at all. A required text must not be blank.
func Blank(s string) bool { return !visible.MatchString(s) }
