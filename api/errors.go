package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"github.com/gatehouse/gatehouse"
)

// ErrorBody is the one error shape of the API:
// {"error": {"code": "invalid", "message": "...", "field": "email",
// "errors": [{"code": "invalid", "field": "email", "message": "..."}]}}.
type ErrorBody struct {
	Err     ErrorDetail `json:"error"`
	status  int
	headers http.Header
}

// GetHeaders lets huma send Retry-After with rate-limited answers.
func (e *ErrorBody) GetHeaders() http.Header { return e.headers }

// ErrorDetail says what went wrong, for programs (code, field, reason) and
// for people (message). The enums of code and reason come from the domain's
// lists (gatehouse.ErrorCodes, gatehouse.Reasons): see contract.go.
type ErrorDetail struct {
	Code    string       `json:"code" doc:"Machine-readable error code"`
	Message string       `json:"message" doc:"What went wrong, for people"`
	Field   string       `json:"field,omitempty" doc:"The input field at fault"`
	Reason  string       `json:"reason,omitempty" doc:"For forbidden: why the request was refused"`
	Errors  []FieldError `json:"errors,omitempty" required:"false" doc:"Every input field at fault, when field is present: a user's invite or update lists all of its fields at fault at once; the first is field and message. An import lists every error of every row, each with its row; message then sums them up"`
}

// FieldError is one input field at fault.
type FieldError struct {
	Code    string `json:"code" doc:"Machine-readable error code: invalid; not_found for an id (or, in an import, a name) that names nothing; conflict for an email already used; in an import, forbidden for a row no escalation refuses"`
	Field   string `json:"field" doc:"The input field at fault"`
	Message string `json:"message" doc:"What is wrong with it, for people"`
	Row     int    `json:"row,omitempty" required:"false" doc:"For an import: the CSV file's row at fault (the header is row 1); field is then its column, or row for the row as a whole, or file for the file as a whole"`
}

func (e *ErrorBody) GetStatus() int { return e.status }
func (e *ErrorBody) Error() string  { return e.Err.Message }

// errorOf is the API's one answer to an error: a domain error keeps its
// code, with the status gatehouse.HTTPStatus gives it; anything else, and
// every internal error, is logged with the request's id and answered as an
// opaque 500.
func errorOf(ctx context.Context, err error) *ErrorBody {
	var e *gatehouse.Error
	if errors.As(err, &e) && e.Code != gatehouse.EINTERNAL {
		return bodyOf(e)
	}
	var answered *ErrorBody // an answer already made by humaError
	if errors.As(err, &answered) {
		return answered
	}
	principalFrom(ctx).logger.ErrorContext(ctx, "api: internal error",
		"request_id", gatehouse.RequestInfoFrom(ctx).RequestID, "err", err)
	return &ErrorBody{status: http.StatusInternalServerError, Err: ErrorDetail{Code: gatehouse.EINTERNAL, Message: "internal error"}}
}

// huma's error constructors are package variables: they are set once, to a
// function that keeps no configuration (the logger comes with the request).
func init() {
	huma.NewErrorWithContext = humaError
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		return humaError(nil, status, msg, errs...)
	}
}

// maxSchemaErrors bounds the schema violations an answer lists: a 600 kB
// batch of 200,000 empty checks had two each, a 40 MB answer.
const maxSchemaErrors = 100

// humaError turns every error huma raises (bad JSON, oversized bodies,
// schema violations, a handler's error) into an ErrorBody through errorOf.
// Schema violations (422) are bad input like any other: 400.
func humaError(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
	ctx := context.Background()
	if hctx != nil {
		ctx = hctx.Context()
	}
	for _, err := range errs {
		var e *gatehouse.Error
		if errors.As(err, &e) {
			return errorOf(ctx, e)
		}
	}
	if status >= 500 {
		return errorOf(ctx, fmt.Errorf("%d %s: %w", status, msg, errors.Join(errs...)))
	}
	if status == http.StatusUnprocessableEntity {
		status = http.StatusBadRequest
	}
	body := &ErrorBody{status: status, Err: ErrorDetail{Code: gatehouse.CodeOfStatus(status), Message: msg}}
	body.status = gatehouse.HTTPStatus(body.Err.Code)
	// Name the fields at fault, as the domain errors do: the first in
	// field and message, every one in errors.
	for _, err := range errs {
		var d *huma.ErrorDetail
		if errors.As(err, &d) {
			field, message := detailOf(d)
			if len(body.Err.Errors) == 0 {
				body.Err.Field, body.Err.Message = field, message
			}
			if field != "" && len(body.Err.Errors) < maxSchemaErrors {
				body.Err.Errors = append(body.Err.Errors, FieldError{Code: body.Err.Code, Field: field, Message: message})
			}
		}
	}
	if body.Err.Field == "" {
		body.Err.Errors = nil
	}
	return body
}

// detailOf names the field of one of huma's error details, and says what
// is wrong with it.
func detailOf(d *huma.ErrorDetail) (field, message string) {
	field = fieldOf(d.Location)
	message = fmt.Sprintf("%s: %s", field, d.Message)
	if name, ok := strings.CutSuffix(d.Message, nullSuffix); ok && field == "" {
		field, message = name, d.Message // see jsonFormat
	} else if name, ok := requiredProperty(d.Message); ok {
		// huma places a missing property at its parent: name it.
		field = strings.TrimPrefix(field+"."+name, ".")
		message = field + " is required"
	} else if meaning, ok := patternMeanings[strings.TrimPrefix(d.Message, strings.TrimSuffix(validation.MsgExpectedMatchPattern, "%s"))]; ok {
		message = fmt.Sprintf("%s: expected %s", field, meaning)
	} else if field == "" {
		message = d.Message
	}
	return field, message
}

// writeError writes an error outside huma (middleware), through errorOf.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	body := errorOf(r.Context(), err)
	for k, v := range body.headers {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(body.status)
	json.NewEncoder(w).Encode(body)
}

// bodyOf is the answer to a domain error.
func bodyOf(e *gatehouse.Error) *ErrorBody {
	body := &ErrorBody{status: gatehouse.HTTPStatus(e.Code), Err: ErrorDetail{Code: e.Code, Message: e.Message, Field: e.Field, Reason: e.Reason}}
	for _, f := range e.List() {
		body.Err.Errors = append(body.Err.Errors, FieldError{Code: f.Code, Field: f.Field, Row: f.Row, Message: f.Message})
	}
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
