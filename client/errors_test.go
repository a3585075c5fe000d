package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/client"
)

// TestErrorsFromTheServer decodes the API's error answers into *Error.
func TestErrorsFromTheServer(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "facilities")
	gh := e.admin

	wantError := func(t *testing.T, err error, status int, code string) *client.Error {
		t.Helper()
		var ce *client.Error
		if !errors.As(err, &ce) {
			t.Fatalf("error %v (%T) is not a *client.Error", err, err)
		}
		if ce.Status != status || ce.Code != code || ce.Message == "" || ce.RequestID == "" {
			t.Fatalf("error %+v, want status %d and code %s with a message and a request id", ce, status, code)
		}
		if client.ErrorCode(err) != code || !strings.Contains(err.Error(), code) {
			t.Fatalf("ErrorCode %q, Error() %q", client.ErrorCode(err), err)
		}
		return ce
	}

	t.Run("not found", func(t *testing.T) {
		_, err := gh.GetUser(ctx, "usr_nope")
		wantError(t, err, 404, client.CodeNotFound)
		if !client.IsNotFound(err) || client.IsForbidden(err) {
			t.Fatalf("helpers on %v", err)
		}
		if _, _, err := gh.UpdateGroup(ctx, "grp_nope", client.GroupPatch{Name: client.Ptr("x")}); !client.IsNotFound(err) {
			t.Fatalf("update of a missing group: %v", err)
		}
	})

	t.Run("forbidden with a reason", func(t *testing.T) {
		ivy := e.client(e.keyOf(e.activeUser("ivy", client.NewUser{})))
		_, err := ivy.ListUsers(ctx, client.UserQuery{})
		if ce := wantError(t, err, 403, client.CodeForbidden); ce.Reason != "permission_missing" || !client.IsForbidden(err) {
			t.Fatalf("reason: %+v", ce)
		}
		// Nor may she edit anyone.
		_, _, err = ivy.UpdateUser(ctx, e.adminID, client.UserPatch{FirstName: client.Ptr("X")})
		wantError(t, err, 403, client.CodeForbidden)
	})

	t.Run("invalid with a field", func(t *testing.T) {
		// A phone the document allows (one line) but the service does
		// not: it wants a + and the country code.
		_, _, err := gh.InviteUser(ctx, client.NewUser{FirstName: "No", LastName: "Pe", Email: "nope@acme.test", Phone: "call me maybe"})
		if ce := wantError(t, err, 400, client.CodeInvalid); ce.Field != "phone" || !client.IsInvalid(err) || !strings.Contains(err.Error(), "field phone") {
			t.Fatalf("field: %+v (%v)", ce, err)
		}
		// Every field at fault at once, in Fields.
		_, _, err = gh.InviteUser(ctx, client.NewUser{FirstName: "No", LastName: "Pe", Email: "nope@acme.test", Phone: "call me maybe", Permissions: []string{"nope.nope"}})
		if ce := wantError(t, err, 400, client.CodeInvalid); len(ce.Fields) != 2 || ce.Fields[0].Field != "phone" || ce.Fields[1].Field != "permissions" ||
			ce.Fields[0].Message != ce.Message || ce.Fields[1].Code != client.CodeInvalid {
			t.Fatalf("fields: %+v", ce.Fields)
		}
		// min_revision beyond the organization's revision.
		ahead := e.client(e.adminKey)
		ahead.ObserveRevision(gh.Revision() + 1000)
		_, err = ahead.Check(ctx, e.adminID, "work_orders.view", client.Resource{})
		if ce := wantError(t, err, 400, client.CodeInvalid); ce.Field != "min_revision" {
			t.Fatalf("field: %+v", ce)
		}
	})

	t.Run("conflict", func(t *testing.T) {
		e.invite("dup", client.NewUser{})
		_, _, err := gh.InviteUser(ctx, client.NewUser{FirstName: "Dup", LastName: "Licate", Email: "DUP@" + e.domain})
		wantError(t, err, 409, client.CodeConflict)
		if !client.IsConflict(err) {
			t.Fatal("IsConflict")
		}
	})

	t.Run("unauthorized", func(t *testing.T) {
		_, err := e.client("ghk_forged").Me(ctx)
		wantError(t, err, 401, client.CodeUnauthorized)
		_, err = e.client("").Catalog(ctx)
		wantError(t, err, 401, client.CodeUnauthorized)
		if !client.IsUnauthorized(err) {
			t.Fatal("IsUnauthorized")
		}
	})
}

// TestErrorsFromElsewhere decodes what a proxy or a throttled server says:
// Retry-After, and bodies that are not the API's error shape.
func TestErrorsFromElsewhere(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/sessions":
			w.Header().Set("Retry-After", "42")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"error":{"code":"rate_limited","message":"too many failed sign-ins"}}`))
		case "/api/v1/me":
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("<html>bad gateway</html>"))
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	gh := client.New(srv.URL, "")
	ctx := context.Background()

	_, err := gh.SignIn(ctx, client.Credentials{Email: "a@b.test", Password: "x"})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != 429 || !client.IsRateLimited(err) || ce.RetryAfter != 42*time.Second || ce.Message != "too many failed sign-ins" {
		t.Fatalf("rate limited: %+v", err)
	}
	_, err = gh.Me(ctx)
	if !errors.As(err, &ce) || ce.Status != 502 || ce.Code != client.CodeInternal || ce.Message != "<html>bad gateway</html>" {
		t.Fatalf("proxy error: %+v", err)
	}
	_, err = gh.Catalog(ctx)
	if !errors.As(err, &ce) || ce.Status != 503 || ce.Code != client.CodeInternal || ce.Message != "Service Unavailable" {
		t.Fatalf("empty error: %+v", err)
	}
	if _, err := client.New("http://127.0.0.1:1", "").Me(ctx); err == nil || client.ErrorCode(err) != "" {
		t.Fatalf("a network error: %v", err)
	}
}
