package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error codes of the API's errors.
const (
	CodeInvalid              = "invalid"                // 400: bad input; Field names it
	CodeUnauthorized         = "unauthorized"           // 401: no, bad or ended credentials
	CodeForbidden            = "forbidden"              // 403: Reason says why
	CodeNotFound             = "not_found"              // 404: also ids of other organizations
	CodeMethodNotAllowed     = "method_not_allowed"     // 405: the Allow header lists the methods
	CodeConflict             = "conflict"               // 409: duplicate, or a state that forbids it
	CodePayloadTooLarge      = "payload_too_large"      // 413
	CodeUnsupportedMediaType = "unsupported_media_type" // 415: the body is not JSON
	CodeRateLimited          = "rate_limited"           // 429: RetryAfter says when
	CodeInternal             = "internal"               // 5xx

	// Deprecated: the server never sends it.
	CodeUnprocessable = "unprocessable"
)

// Error is an error answer of the API: {"error": {"code", "message",
// "field", "reason"}} with its HTTP status. Use errors.As, or the Is*
// helpers.
type Error struct {
	Status  int    // HTTP status
	Code    string // one of the Code* constants
	Message string // for people
	Field   string // the input field at fault, for invalid
	// Fields lists every input field at fault (a user's invite or update
	// names them all at once); the first is Field and Message.
	Fields     []FieldError
	Reason     string // the decision's reason, for forbidden (e.g. permission_missing)
	RetryAfter time.Duration
	RequestID  string // the server's X-Request-ID, for its logs
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gatehouse: %d %s: %s", e.Status, e.Code, e.Message)
	if e.Field != "" {
		fmt.Fprintf(&b, " (field %s)", e.Field)
	}
	if e.Reason != "" {
		fmt.Fprintf(&b, " (reason %s)", e.Reason)
	}
	return b.String()
}

// FieldError is one input field at fault, with why in words.
type FieldError struct {
	Code    string `json:"code"`
	Field   string `json:"field"` // for an import: the CSV column, or "row" or "file"
	Message string `json:"message"`
	Row     int    `json:"row,omitempty"` // for an import: the CSV row (the header is row 1)
}

// errorFrom reads an error answer. Bodies that are not the API's error shape
// (a proxy's error page) still give an *Error, with a code from the status.
func errorFrom(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 32<<20)) // an import's report of every row's errors
	e := &Error{Status: resp.StatusCode, RequestID: resp.Header.Get("X-Request-ID")}
	var body struct {
		Error *struct {
			Code, Message, Field, Reason string
			Errors                       []FieldError
		} `json:"error"`
	}
	if json.Unmarshal(data, &body) == nil && body.Error != nil {
		d := body.Error
		e.Code, e.Message, e.Field, e.Reason, e.Fields = d.Code, d.Message, d.Field, d.Reason, d.Errors
	}
	if e.Code == "" {
		e.Code = codeOfStatus(resp.StatusCode)
	}
	if e.Message == "" {
		e.Message = strings.TrimSpace(string(data))
		if len(e.Message) > 200 {
			e.Message = e.Message[:200] + "…"
		}
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	if v := resp.Header.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil {
			e.RetryAfter = time.Duration(s) * time.Second
		} else if t, err := http.ParseTime(v); err == nil {
			e.RetryAfter = max(time.Until(t), 0)
		}
	}
	return e
}

func codeOfStatus(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return CodeInvalid
	case http.StatusUnauthorized:
		return CodeUnauthorized
	case http.StatusForbidden:
		return CodeForbidden
	case http.StatusNotFound:
		return CodeNotFound
	case http.StatusConflict:
		return CodeConflict
	case http.StatusRequestEntityTooLarge:
		return CodePayloadTooLarge
	case http.StatusTooManyRequests:
		return CodeRateLimited
	}
	if status >= 500 {
		return CodeInternal
	}
	return CodeInvalid
}

// ErrorCode returns the code of an *Error in err's chain, or "".
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsNotFound reports whether err is a 404: no such thing in the caller's
// organization.
func IsNotFound(err error) bool { return ErrorCode(err) == CodeNotFound }

// IsForbidden reports whether err is a 403; the *Error's Reason says why.
func IsForbidden(err error) bool { return ErrorCode(err) == CodeForbidden }

// IsConflict reports whether err is a 409.
func IsConflict(err error) bool { return ErrorCode(err) == CodeConflict }

// IsInvalid reports whether err is a 400; the *Error's Field names the input.
func IsInvalid(err error) bool { return ErrorCode(err) == CodeInvalid }

// IsUnauthorized reports whether err is a 401.
func IsUnauthorized(err error) bool { return ErrorCode(err) == CodeUnauthorized }

// IsRateLimited reports whether err is a 429; the *Error's RetryAfter says
// when to try again.
func IsRateLimited(err error) bool { return ErrorCode(err) == CodeRateLimited }
