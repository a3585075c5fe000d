package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/requestinfo"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/store/storetest"
)

// readyz answers /readyz with its status and body.
func readyz(t *testing.T, h http.Handler) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	return rec.Code, rec.Body.String()
}

// waitReady waits, with a generous deadline, until /readyz answers status.
func waitReady(t *testing.T, h http.Handler, status int, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, body := readyz(t, h)
		if got == status {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: /readyz %d %s, want %d", what, got, body, status)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// On PostgreSQL, /readyz is 503 while the instance may miss other
// instances' writes: before its LISTEN connection is up and caught up, and
// while the database is cut off; 200 again once it has reconnected.
func TestReadyz_PostgresNeedsTheListenConnection(t *testing.T) {
	proxy, dsn := storetest.NewProxy(t, storetest.Postgres(t))
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	logger := slog.New(slog.DiscardHandler)
	svc := service.New(st, testsupport.ServiceConfig("http://gatehouse.test", logger))
	h, err := routes(svc, st, nil, logger, requestinfo.New(nil, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if status, body := readyz(t, h); status != http.StatusServiceUnavailable || !strings.Contains(body, `"listening"`) {
		t.Fatalf("before listening: /readyz %d %s, want 503 listening", status, body)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		st.Listen(ctx, logger, func(orgID string, revision int64, ch *gatehouse.AccessChange) {
			svc.Changed(ctx, orgID, revision, ch)
		})
	}()
	defer func() { stop(); <-done }()
	waitReady(t, h, http.StatusOK, "listening")
	proxy.Cut()
	waitReady(t, h, http.StatusServiceUnavailable, "database cut off")
	proxy.Restore()
	waitReady(t, h, http.StatusOK, "database back")
}

// On SQLite, one process owns the file: ready while the database answers.
func TestReadyz_SQLite(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir()+"/gatehouse.db")
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	svc := service.New(st, testsupport.ServiceConfig("http://gatehouse.test", logger))
	h, err := routes(svc, st, nil, logger, requestinfo.New(nil, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if status, body := readyz(t, h); status != http.StatusOK {
		t.Fatalf("/readyz %d %s", status, body)
	}
	st.Close()
	if status, body := readyz(t, h); status != http.StatusServiceUnavailable || !strings.Contains(body, `"database"`) {
		t.Fatalf("closed database: /readyz %d %s", status, body)
	}
}
