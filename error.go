package gatehouse

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. The HTTP layer maps each to one status in one place.
const (
	EINVALID       = "invalid"       // bad input; Field names the culprit
	ENOTFOUND      = "not_found"     // missing, or in another organization
	ECONFLICT      = "conflict"      // duplicate or state conflict
	EFORBIDDEN     = "forbidden"     // authenticated but not allowed
	EUNAUTHORIZED  = "unauthorized"  // no or bad credentials
	ETOOMANY       = "rate_limited"  // throttled
	EINTERNAL      = "internal"      // anything else; never shown
	EUNPROCESSABLE = "unprocessable" // well-formed but refused by a rule
)

// Error is the one domain error. Message is safe to show to the caller.
type Error struct {
	Code    string
	Message string
	Field   string // the input field at fault, when there is one
	Reason  string // the decision reason behind a forbidden, when there is one
	// RetryAfter says when a rate-limited caller may try again.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("gatehouse: %s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("gatehouse: %s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming the field at fault.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Forbidden returns an EFORBIDDEN error carrying the decision's reason.
func Forbidden(reason, format string, args ...any) *Error {
	return &Error{Code: EFORBIDDEN, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL for errors without one, and
// "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the caller-safe message of err; internal errors get a
// generic text so that nothing internal leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
