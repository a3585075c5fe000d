package store

import "testing"

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
