package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"github.com/gatehouse/gatehouse"
)

// ErrorBody is the one error shape of the API:
// {"error": {"code": "invalid", "message": "...", "field": "email"}}.
type ErrorBody struct {
	Err     ErrorDetail `json:"error"`
	status  int
	headers http.Header
}

// GetHeaders lets huma send Retry-After with rate-limited answers.
func (e *ErrorBody) GetHeaders() http.Header { return e.headers }

// ErrorDetail says what went wrong, for programs (code, field, reason) and
// for people (message).
type ErrorDetail struct {
	Code    string `json:"code" doc:"Machine-readable error code" enum:"invalid,unauthorized,forbidden,not_found,conflict,payload_too_large,rate_limited,unprocessable,internal"`
	Message string `json:"message" doc:"What went wrong, for people"`
	Field   string `json:"field,omitempty" doc:"The input field at fault"`
	Reason  string `json:"reason,omitempty" doc:"For forbidden: the decision's reason, e.g. permission_missing or escalation_full_access"`
}

func (e *ErrorBody) GetStatus() int { return e.status }
func (e *ErrorBody) Error() string  { return e.Err.Message }

// statuses is the one place where error codes become HTTP statuses.
var statuses = map[string]int{
	gatehouse.EINVALID:       http.StatusBadRequest,
	gatehouse.EUNAUTHORIZED:  http.StatusUnauthorized,
	gatehouse.EFORBIDDEN:     http.StatusForbidden,
	gatehouse.ENOTFOUND:      http.StatusNotFound,
	gatehouse.ECONFLICT:      http.StatusConflict,
	"payload_too_large":      http.StatusRequestEntityTooLarge,
	gatehouse.EUNPROCESSABLE: http.StatusUnprocessableEntity,
	gatehouse.ETOOMANY:       http.StatusTooManyRequests,
	gatehouse.EINTERNAL:      http.StatusInternalServerError,
}

// statusOf is a code's status; unknown codes are internal errors.
func statusOf(code string) int {
	if status, ok := statuses[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// codeOfStatus names the errors huma raises itself (bad JSON, oversized
// bodies, schema violations) with the API's codes: the table read backwards,
// schema violations (422) being bad input like any other.
func codeOfStatus(status int) string {
	if status == http.StatusUnprocessableEntity {
		return gatehouse.EINVALID
	}
	for code, s := range statuses {
		if s == status {
			return code
		}
	}
	if status < 500 {
		return gatehouse.EINVALID
	}
	return gatehouse.EINTERNAL
}

// newError turns every error a handler returns, and every error huma raises,
// into an ErrorBody. Domain errors keep their code; internal errors are logged
// and never shown.
func newError() func(status int, msg string, errs ...error) huma.StatusError {
	return func(status int, msg string, errs ...error) huma.StatusError {
		for _, err := range errs {
			var e *gatehouse.Error
			if errors.As(err, &e) {
				return bodyOf(e)
			}
		}
		if status >= 500 {
			slog.Error("internal error", "status", status, "message", msg, "errors", fmt.Sprint(errs))
			return &ErrorBody{status: http.StatusInternalServerError, Err: ErrorDetail{Code: gatehouse.EINTERNAL, Message: "internal error"}}
		}
		body := &ErrorBody{status: status, Err: ErrorDetail{Code: codeOfStatus(status), Message: msg}}
		if status == http.StatusUnprocessableEntity {
			body.status = http.StatusBadRequest // schema violations are bad input
		}
		// Name the first field at fault, as the domain errors do.
		for _, err := range errs {
			var d *huma.ErrorDetail
			if errors.As(err, &d) {
				body.Err.Field = fieldOf(d.Location)
				body.Err.Message = fmt.Sprintf("%s: %s", body.Err.Field, d.Message)
				if name, ok := requiredProperty(d.Message); ok {
					// huma places a missing property at its parent: name it.
					body.Err.Field = strings.TrimPrefix(body.Err.Field+"."+name, ".")
					body.Err.Message = body.Err.Field + " is required"
				} else if body.Err.Field == "" {
					body.Err.Message = d.Message
				}
				break
			}
		}
		return body
	}
}

// writeError writes a domain error outside huma (middleware), in the same
// shape and with the same status mapping.
func writeError(w http.ResponseWriter, err *gatehouse.Error) {
	body := bodyOf(err)
	for k, v := range body.headers {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(body.status)
	json.NewEncoder(w).Encode(body)
}

// bodyOf is the answer to a domain error.
func bodyOf(e *gatehouse.Error) *ErrorBody {
	body := &ErrorBody{status: statusOf(e.Code), Err: ErrorDetail{Code: e.Code, Message: e.Message, Field: e.Field, Reason: e.Reason}}
	if e.RetryAfter > 0 {
		body.headers = http.Header{"Retry-After": {strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds())))}}
	}
	return body
}

// requiredProperty reads the property name out of huma's message for a
// missing required property.
func requiredProperty(msg string) (string, bool) {
	prefix, suffix, _ := strings.Cut(validation.MsgExpectedRequiredProperty, "%s")
	name, ok := strings.CutPrefix(msg, prefix)
	if !ok {
		return "", false
	}
	name, ok = strings.CutSuffix(name, suffix)
	return name, ok && name != ""
}

// fieldOf turns huma's "body.facility_ids[2]" or "query.limit" into the
// field name a caller sent.
func fieldOf(location string) string {
	for _, prefix := range []string{"body.", "query.", "path.", "header."} {
		if rest, ok := strings.CutPrefix(location, prefix); ok {
			return rest
		}
	}
	if location == "body" {
		return ""
	}
	return location
}
