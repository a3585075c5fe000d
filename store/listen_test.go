package store

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/store/storetest"
)

func TestParseNotification(t *testing.T) {
	for _, tc := range []struct {
		payload    string
		ok         bool
		org        string
		revision   int64
		withChange bool
	}{
		{`org_1:7`, true, "org_1", 7, false},
		{`org_1:7:{"revision":7,"deleted_users":["usr_1"]}`, true, "org_1", 7, true},
		{`org_1:7:{"revision":6}`, true, "org_1", 7, false}, // not this write's change: read it back
		{`org_1:7:{not json`, true, "org_1", 7, false},
		{`org_1:x`, false, "", 0, false},
		{`org_1`, false, "", 0, false},
		{``, false, "", 0, false},
	} {
		org, rev, ch, ok := parseNotification(tc.payload)
		if ok != tc.ok || org != tc.org || rev != tc.revision || (ch != nil) != tc.withChange {
			t.Errorf("%q: %q %d %v %v", tc.payload, org, rev, ch, ok)
		}
		if ch != nil && (len(ch.DeletedUsers) != 1 || ch.DeletedUsers[0] != "usr_1") {
			t.Errorf("%q: change %+v", tc.payload, ch)
		}
	}
}

// A quiet spell does not cost the listener its connection: after it, news
// still arrives on the same connection (no second "catch up on everything").
func TestListen_SurvivesQuietSpells(t *testing.T) {
	dsn := storetest.Postgres(t)
	listenQuiet = 300 * time.Millisecond
	defer func() { listenQuiet = 30 * time.Second }()
	db, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	news := make(chan string, 10)
	go db.Listen(ctx, slog.Default(), func(orgID string, revision int64, ch *gatehouse.AccessChange) { news <- orgID })
	if <-news != "" {
		t.Fatal("Listen did not start with a catch-up")
	}
	time.Sleep(1 * time.Second) // three quiet spells
	org := &gatehouse.Organization{Name: "Acme", Template: "facilities"}
	data, _ := catalogs.Builtin("facilities")
	err = db.Update(ctx, func(gtx gatehouse.Tx) error {
		if err := gtx.CreateOrganization(org, data); err != nil {
			return err
		}
		return gtx.(*tx).announce(org.ID, 1, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-news:
		if got != org.ID {
			t.Fatalf("news of %q (a reconnection?), want %s", got, org.ID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no news after a quiet spell")
	}
}

// waitUntil waits for cond, failing the test after a generous deadline.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 10 s", what)
		}
	}
}

// After failed attempts the wait before the next one grows; once a
// connection has been made, the next outage starts from the shortest wait
// again. Listening is true only while connected and caught up.
func TestListen_BackoffResetsAfterAConnection(t *testing.T) {
	proxy, dsn := storetest.NewProxy(t, storetest.Postgres(t))
	db, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	waits, proceed := make(chan time.Duration), make(chan bool)
	listenWait = func(ctx context.Context, d time.Duration) bool {
		select {
		case waits <- d:
		case <-ctx.Done():
			return false
		}
		select {
		case <-proceed:
			return true
		case <-ctx.Done():
			return false
		}
	}
	defer func() { listenWait = waitFor }()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	news := make(chan string, 10)
	proxy.Cut() // the database is down when the instance starts
	go db.Listen(ctx, slog.Default(), func(orgID string, revision int64, ch *gatehouse.AccessChange) { news <- orgID })
	for i, want := range []time.Duration{listenBackoff, 2 * listenBackoff, 4 * listenBackoff} {
		if d := <-waits; d != want {
			t.Fatalf("attempt %d failed: waited %v, want %v", i+1, d, want)
		}
		if db.Listening() {
			t.Fatal("listening while the database is down")
		}
		if i < 2 {
			proceed <- true
		}
	}
	proxy.Restore()
	proceed <- true
	if got := <-news; got != "" {
		t.Fatalf("news %q, want the catch-up call", got)
	}
	waitUntil(t, "listening after connecting", db.Listening)
	proxy.Cut()
	if d := <-waits; d != listenBackoff {
		t.Fatalf("after a connection was lost, waited %v, want %v (the backoff starts again)", d, listenBackoff)
	}
	if db.Listening() {
		t.Fatal("listening after the connection was lost")
	}
	proxy.Restore()
	proceed <- true
	if got := <-news; got != "" {
		t.Fatalf("news %q, want the catch-up call", got)
	}
	waitUntil(t, "listening after reconnecting", db.Listening)
}
