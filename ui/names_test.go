package ui_test

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/service"
)

// signInAs signs in a user who may not see the Users tab.
func (e *env) signInAs(email, landing string) *browser {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{t: e.t, e: e, c: &http.Client{Jar: jar}}
	if res := b.post("/sign-in", url.Values{"email": {email}, "password": {password}}); res.url.Path != landing {
		e.t.Fatalf("sign-in as %s: %d at %s", email, res.status, res.url)
	}
	return b
}

// TestAccountAndAccessShowNames: a user who may not list groups or
// facilities still reads the names of their own on their account page, and
// the access page names groups and licences, never ids.
func TestAccountAndAccessShowNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	north := e.facility("North Plant")
	tech := e.group("Technician", "work_orders.view")
	viewer := e.group("User Viewer", "users.view")
	tess := e.activeUser("Tess", "Tech", "tess@acme.test", service.UserInput{GroupIDs: []string{tech.ID}, FacilityIDs: []string{north.ID}})
	e.activeUser("Vic", "Viewer", "vic@acme.test", service.UserInput{GroupIDs: []string{viewer.ID}, FacilityIDs: []string{north.ID}})

	res := e.signInAs("tess@acme.test", "/account").page("/account", http.StatusOK)
	has(t, "account", res, "<dt>Groups</dt><dd>Technician</dd>", "<dt>Facilities</dt><dd>North Plant</dd>")
	hasNot(t, "account", res, "grp_", "fac_")

	// Vic may see users, not groups or facilities: Tess's access names them.
	res = e.signInAs("vic@acme.test", "/users").page("/users/"+tess.ID+"/access", http.StatusOK)
	has(t, "access", res, "group Technician", "North Plant")
	hasNot(t, "access", res, tech.ID, north.ID)
}

// TestAuditLog_FiltersByNameAndTimeZone: the actor and target filters take
// a name or an email, resolved on the server (no script needed); a name
// that fits several lists them as links; times carry UTC for the script
// to localise; the range is read in the browser's zone when it says one.
func TestAuditLog_FiltersByNameAndTimeZone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	north := e.facility("North Plant")
	tech := e.group("Technician", "work_orders.view")
	tess := e.invite("Tess", "Tech", "tess@acme.test", service.UserInput{GroupIDs: []string{tech.ID}, FacilityIDs: []string{north.ID}})
	tom := e.invite("Tom", "Tech", "tom@acme.test", service.UserInput{FacilityIDs: []string{north.ID}})
	b := e.signIn("ada@acme.test")

	events := func(res result) []string {
		return regexp.MustCompile(`<code>([a-z_]+\.[a-z_]+)</code>`).FindAllString(res.body, -1)
	}
	res := b.page("/audit", http.StatusOK)
	has(t, "names with ids on hover", res, `title="`+e.org.Admin.ID+`">Ada Admin</a>`, `title="`+tess.ID+`">Tess Tech</a>`,
		`title="`+north.ID+`">North Plant</a>`)
	if !regexp.MustCompile(`<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" title="[^"]+ UTC">[^<]+ UTC</time>`).MatchString(res.body) {
		t.Error("times are not <time> in UTC with the UTC on hover")
	}
	has(t, "suggestions", res, `<option value="tess@acme.test" label="Tess Tech &lt;tess@acme.test&gt;">`,
		`<option value="Technician" label="Technician (group)">`)

	for _, tc := range []struct{ query, named, want, wantNot string }{
		{"actor=Ada", "by <strong>Ada Admin</strong>", "facility.created", "organization.created"},
		{"actor=ADA@acme.test", "by <strong>Ada Admin</strong>", "user.invited", "organization.created"},
		{"target=tess", "to <strong>Tess Tech</strong>", "user.invited", "facility.created"},
		{"target=North", "to <strong>North Plant</strong>", "facility.created", "user.invited"},
		{"target=" + tech.ID, "to <strong>Technician</strong>", "group.created", "user.invited"},
		{"target_id=" + tom.ID, "to <strong>Tom Tech</strong>", "user.invited", "group.created"}, // links of earlier releases
		{"actor=ada&target=tom@acme.test", "by <strong>Ada Admin</strong> to <strong>Tom Tech</strong>", "user.invited", "facility.created"},
	} {
		res := b.page("/audit?"+tc.query, http.StatusOK)
		has(t, tc.query, res, "Showing events "+tc.named)
		got := strings.Join(events(res), " ")
		if !strings.Contains(got, tc.want) || strings.Contains(got, tc.wantNot) {
			t.Errorf("%s: events %s, want %s and no %s", tc.query, got, tc.want, tc.wantNot)
		}
	}

	// Several fit: the candidates, each a link filtering by it.
	res = b.get("/audit?target=tech")
	if res.status != http.StatusBadRequest {
		t.Fatalf("an ambiguous target: %d", res.status)
	}
	has(t, "ambiguous", res, "“tech” matches 3: pick one below", `id="target-error"`, `aria-invalid="true"`,
		`href="/audit?target=`+tess.ID+`">Tess Tech</a>`, `href="/audit?target=`+tom.ID+`">Tom Tech</a>`,
		`href="/audit?target=`+tech.ID+`">Technician</a>`)
	// A candidate's link keeps the other filters.
	has(t, "candidates keep the filters", b.get("/audit?action=user.invited&target=tech"),
		`href="/audit?action=user.invited&amp;target=`+tess.ID+`">Tess Tech</a>`)
	// An exact name wins over the names that contain it.
	has(t, "exact", b.page("/audit?target=technician", http.StatusOK), "to <strong>Technician</strong>")
	for query, want := range map[string]string{
		"actor=nobody":      "Nobody you may see matches “nobody”",
		"target=zzz":        "No user, group or facility you may see matches “zzz”",
		"actor=North+Plant": "Nobody you may see matches “North Plant”", // an actor is a user
		"tz=Mars%2FBase":    "is not a time zone",
	} {
		if res := b.get("/audit?" + query); res.status != http.StatusBadRequest || !strings.Contains(res.body, want) {
			t.Errorf("%s: %d, want 400 with %q", query, res.status, want)
		}
	}

	// The range in the browser's zone: half an hour ago in Paris is half an
	// hour from now in UTC, since Paris is ahead of UTC all year.
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	since := time.Now().In(paris).Add(-30 * time.Minute).Format("2006-01-02T15:04")
	res = b.page("/audit?action=facility.created&since="+since+"&tz=Europe%2FParis", http.StatusOK)
	has(t, "since in Paris", res, "<code>facility.created</code>", `<span class="tz-name">Europe/Paris</span>`)
	res = b.page("/audit?action=facility.created&since="+since, http.StatusOK)
	has(t, "since in UTC", res, "No events match.", `<span class="tz-name">UTC</span>`)

	// The script's search: JSON suggestions as the viewer types.
	res = b.get("/suggestions?for=target&q=tech")
	var got []struct{ Value, Label string }
	if err := json.Unmarshal([]byte(res.body), &got); err != nil || res.status != http.StatusOK {
		t.Fatalf("suggestions: %d %v %s", res.status, err, res.body)
	}
	want := map[string]string{"tess@acme.test": "Tess Tech <tess@acme.test>", "tom@acme.test": "Tom Tech <tom@acme.test>", "Technician": "Technician (group)"}
	if len(got) != len(want) {
		t.Errorf("suggestions %+v, want %v", got, want)
	}
	for _, s := range got {
		if want[s.Value] != s.Label {
			t.Errorf("suggestion %+v, want %v", s, want)
		}
	}
	if res := b.get("/suggestions?for=everyone"); res.status != http.StatusBadRequest {
		t.Errorf("suggestions for an unknown filter: %d", res.status)
	}
}
