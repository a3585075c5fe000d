package gatehouse

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Error codes: every code an answer can carry. Each has one HTTP status, in
// codeStatuses, which both web surfaces (the API and the UI) answer by.
const (
	EINVALID      = "invalid"                // bad input; Field names the culprit
	ENOTFOUND     = "not_found"              // missing, or in another organization
	ECONFLICT     = "conflict"               // duplicate or state conflict
	EFORBIDDEN    = "forbidden"              // authenticated but not allowed; Reason says why
	EUNAUTHORIZED = "unauthorized"           // no or bad credentials
	ETOOMANY      = "rate_limited"           // throttled; RetryAfter says when to come back
	ETOOLARGE     = "payload_too_large"      // the request body is over the limit
	EMEDIATYPE    = "unsupported_media_type" // the request body is not JSON
	EMETHOD       = "method_not_allowed"     // the path exists, not with this method
	EINTERNAL     = "internal"               // anything else; never shown
	EUNAVAILABLE  = "unavailable"            // the database cannot be reached; RetryAfter says when to try again
)

// codeStatuses is the one table of HTTP statuses by error code.
var codeStatuses = map[string]int{
	EINVALID:      http.StatusBadRequest,
	EUNAUTHORIZED: http.StatusUnauthorized,
	EFORBIDDEN:    http.StatusForbidden,
	ENOTFOUND:     http.StatusNotFound,
	EMETHOD:       http.StatusMethodNotAllowed,
	ECONFLICT:     http.StatusConflict,
	ETOOLARGE:     http.StatusRequestEntityTooLarge,
	EMEDIATYPE:    http.StatusUnsupportedMediaType,
	ETOOMANY:      http.StatusTooManyRequests,
	EINTERNAL:     http.StatusInternalServerError,
	EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// ErrorCodes lists every error code, in the order of their statuses.
func ErrorCodes() []string {
	return []string{EINVALID, EUNAUTHORIZED, EFORBIDDEN, ENOTFOUND, EMETHOD, ECONFLICT, ETOOLARGE, EMEDIATYPE, ETOOMANY, EINTERNAL, EUNAVAILABLE}
}

// HTTPStatus is the HTTP status of an error code; unknown codes are
// internal errors.
func HTTPStatus(code string) int {
	if status, ok := codeStatuses[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// CodeOfStatus names an HTTP status with its error code: the table read
// backwards, for errors raised outside the domain (a router, a decoder).
// Other client errors are bad input; other server errors are internal.
func CodeOfStatus(status int) string {
	for code, s := range codeStatuses {
		if s == status {
			return code
		}
	}
	if status < 500 {
		return EINVALID
	}
	return EINTERNAL
}

// Error is the one domain error. Message is safe to show to the caller.
type Error struct {
	Code    string
	Message string
	Field   string // the input field at fault, when there is one
	Reason  string // the decision reason behind a forbidden, when there is one
	// RetryAfter says when a rate-limited caller, or one told the database
	// is unavailable, may try again.
	RetryAfter time.Duration
	// Fields lists every input field at fault when a write was validated
	// as a whole (FieldErrors): the first is the error's own Field and
	// Message. Nil otherwise.
	Fields []FieldError
}

// FieldError is one input field at fault, with why in words.
type FieldError struct {
	Code    string // EINVALID, or ENOTFOUND for an id that names nothing
	Field   string
	Message string
	// Row is the row of a CSV import at fault (the header is row 1), 0
	// when the input is not a file of rows.
	Row int
}

// FieldErrors collects the field errors of one write, so that the caller
// learns of every field at fault at once rather than of the first alone.
// Its zero value is ready to use.
type FieldErrors struct {
	fields []FieldError
	other  error // the first error that names no field: it wins
}

// Add keeps err: a domain error naming a field (or several) joins the
// list; any other non-nil error is kept to be returned by Err as it is.
func (fe *FieldErrors) Add(err error) {
	var e *Error
	switch {
	case err == nil:
	case errors.As(err, &e) && e.Field != "":
		fe.fields = append(fe.fields, e.List()...)
	case fe.other == nil:
		fe.other = err
	}
}

// Err is nil when nothing was added; the first error that names no field
// when there is one; else one *Error: the first field error's code, field
// and message, with Fields listing them all.
func (fe *FieldErrors) Err() error {
	switch {
	case fe.other != nil:
		return fe.other
	case len(fe.fields) == 0:
		return nil
	}
	first := fe.fields[0]
	return &Error{Code: first.Code, Field: first.Field, Message: first.Message, Fields: fe.fields}
}

// List is every field error e carries: its Fields, or itself when it names
// one field alone.
func (e *Error) List() []FieldError {
	if len(e.Fields) > 0 {
		return e.Fields
	}
	if e.Field == "" {
		return nil
	}
	return []FieldError{{Code: e.Code, Field: e.Field, Message: e.Message}}
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

// UnavailableRetryAfter is the Retry-After of an EUNAVAILABLE answer.
const UnavailableRetryAfter = 2 * time.Second

// Unavailable returns an EUNAVAILABLE error with UnavailableRetryAfter.
func Unavailable(format string, args ...any) *Error {
	return &Error{Code: EUNAVAILABLE, Message: fmt.Sprintf(format, args...), RetryAfter: UnavailableRetryAfter}
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
