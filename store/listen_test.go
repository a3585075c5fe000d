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
