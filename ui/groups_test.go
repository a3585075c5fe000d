package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/service"
)

// TestGroups_SearchAndDuplicate: the Groups page searches names and
// descriptions; Duplicate opens the create form filled in as "Copy of …"
// with the same description and permissions, and creating it goes through
// the one create path.
func TestGroups_SearchAndDuplicate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	tech := e.group("Technician", "work_orders.view", "assets.view")
	e.group("Store Manager", "users.view")
	b := e.signIn("ada@acme.test")

	for q, want := range map[string][]string{"tech": {"Technician"}, "MANAGER": {"Store Manager"}, "zzz": nil, "": {"Technician", "Store Manager"}} {
		res := b.page("/groups?q="+url.QueryEscape(q), http.StatusOK)
		for _, name := range []string{"Technician", "Store Manager"} {
			if shown := strings.Contains(res.body, ">"+name+"</a></th>"); shown != slices.Contains(want, name) {
				t.Errorf("search %q: %s shown %v", q, name, shown)
			}
		}
		if want == nil {
			has(t, "no match", res, "No group matches “zzz”.")
		}
	}

	res := b.page("/groups/"+tech.ID, http.StatusOK)
	has(t, "group page", res, `href="/groups/new?from=`+tech.ID+`">Duplicate</a>`)
	res = b.page("/groups/new?from="+tech.ID, http.StatusOK)
	has(t, "duplicate form", res, "Duplicate “Technician”", `value="Copy of Technician"`, "It has no members.")
	if got := checkedPermissions(res.body); !slices.Equal(got, []string{"assets.view", "work_orders.view"}) {
		t.Errorf("the copy ticks %v", got)
	}
	res = b.post("/groups/new", url.Values{"name": {"Copy of Technician"}, "permissions": {"assets.view", "work_orders.view"}})
	if res.status != http.StatusOK || res.url.Query().Get("done") != "group_created" {
		t.Fatalf("create the copy: %d at %s", res.status, res.url)
	}
	// A second copy takes the next free name.
	has(t, "second copy", b.page("/groups/new?from="+tech.ID, http.StatusOK), `value="Copy of Technician (2)"`)
	if res := b.get("/groups/new?from=grp_nope"); res.status != http.StatusNotFound {
		t.Errorf("a copy of no group: %d", res.status)
	}
}

// TestGroups_DuplicateNoEscalation: a limited admin's copy of a group
// holding what they lack is refused, as any create is.
func TestGroups_DuplicateNoEscalation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	north := e.facility("North Store")
	admins := e.group("User admins", "users.view", "users.edit", "facilities.view")
	big := e.group("Deleters", "users.view", "users.delete")
	e.activeUser("Lim", "Ited", "lim@acme.test", service.UserInput{GroupIDs: []string{admins.ID}, FacilityIDs: []string{north.ID}})
	b := e.signIn("lim@acme.test")
	res := b.page("/groups/new?from="+big.ID, http.StatusOK)
	has(t, "copy form", res, `value="Copy of Deleters"`, `<input type="hidden" name="permissions" value="users.delete">`)
	res = b.post("/groups/new", url.Values{"name": {"Copy of Deleters"}, "permissions": {"users.view", "users.delete"}})
	if res.status != http.StatusForbidden || !strings.Contains(res.body, "users.delete") {
		t.Fatalf("a copy beyond the admin's permissions: %d", res.status)
	}
}

// TestGroups_AddAndRemoveMembers: the group's page adds a member by name or
// email (several matches are offered as buttons), reviews what they gain
// before saving, and removes a member after reviewing what they lose; no
// escalation and scope apply as in the user form.
func TestGroups_AddAndRemoveMembers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	north, south := e.facility("North Plant"), e.facility("South Store")
	tech := e.group("Technician", "work_orders.view")
	tess := e.invite("Tess", "Tech", "tess@acme.test", service.UserInput{FacilityIDs: []string{north.ID}})
	tom := e.invite("Tom", "Tech", "tom@acme.test", service.UserInput{FacilityIDs: []string{south.ID}})
	b := e.signIn("ada@acme.test")
	path := "/groups/" + tech.ID

	res := b.page(path, http.StatusOK)
	has(t, "group page", res, `<h3 id="add-member-h">Add a member</h3>`, `<option value="tess@acme.test" label="Tess Tech &lt;tess@acme.test&gt;">`)

	// "tech" names two people: each is offered, after the form's own button.
	res = b.post(path+"/members", url.Values{"member": {"tech"}})
	if res.status != http.StatusBadRequest {
		t.Fatalf("ambiguous member: %d", res.status)
	}
	has(t, "ambiguous", res, "“tech” matches 2: pick one below", `name="user_id" value="`+tess.ID+`" class="secondary">Add Tess Tech</button>`,
		`name="user_id" value="`+tom.ID+`" class="secondary">Add Tom Tech</button>`, `value="tech"`)
	if strings.Index(res.body, ">Add to group</button>") > strings.Index(res.body, ">Add Tess Tech</button>") {
		t.Error("a candidate's button comes before Add to group: Enter in the box would press it")
	}
	for member, want := range map[string]string{"": "Type the name or email of the person to add", "nobody": "Nobody you may see matches “nobody”"} {
		if res := b.post(path+"/members", url.Values{"member": {member}}); res.status != http.StatusBadRequest || !strings.Contains(res.body, want) {
			t.Errorf("member %q: %d, want %q", member, res.status, want)
		}
	}

	// By email: reviewed first, with what she gains; nothing saved yet.
	res = b.post(path+"/members", url.Values{"member": {"TESS@acme.test"}})
	has(t, "review", res, "Add Tess Tech to “Technician”?", `<span class="gained">Gains</span> at North Plant: <code>work_orders.view</code>`)
	if u, _ := e.svc.GetUser(e.ctx, e.admin, tess.ID); len(u.GroupIDs) != 0 {
		t.Fatal("the review added her")
	}
	res = b.post(path+"/members", hiddenFields(t, res.body, path+"/members", "Add to group"))
	if res.status != http.StatusOK || res.url.Path != path || res.url.Query().Get("done") != "member_added" {
		t.Fatalf("confirm: %d at %s\n%s", res.status, res.url, res.body)
	}
	has(t, "added", res, "Added to the group.", `href="/users/`+tess.ID+`">Tess Tech</a>`,
		`action="/groups/`+tech.ID+`/members/`+tess.ID+`/remove"`)
	if u, _ := e.svc.GetUser(e.ctx, e.admin, tess.ID); !slices.Equal(u.GroupIDs, []string{tech.ID}) {
		t.Fatalf("after adding: %v", u.GroupIDs)
	}
	// Already a member: said so, nothing changes.
	if res := b.post(path+"/members", url.Values{"user_id": {tess.ID}}); res.status != http.StatusConflict || !strings.Contains(res.body, "Tess Tech is already a member") {
		t.Errorf("twice: %d", res.status)
	}

	// Removing: reviewed with what she loses, then saved.
	remove := path + "/members/" + tess.ID + "/remove"
	res = b.post(remove, nil)
	has(t, "removal review", res, "Remove Tess Tech from “Technician”?", `<span class="lost">Loses</span> at North Plant: <code>work_orders.view</code>`)
	res = b.post(remove, hiddenFields(t, res.body, remove, "Remove from group"))
	if res.status != http.StatusOK || res.url.Query().Get("done") != "member_removed" {
		t.Fatalf("confirm removal: %d at %s", res.status, res.url)
	}
	if u, _ := e.svc.GetUser(e.ctx, e.admin, tess.ID); len(u.GroupIDs) != 0 {
		t.Fatalf("after removing: %v", u.GroupIDs)
	}

	// Audited as an edit of the user's groups, by name.
	has(t, "audit", b.page("/audit?target="+tess.ID+"&action=user.updated", http.StatusOK), "&#43;Technician", "−Technician")
}

// TestGroups_MembersNoEscalation: a limited admin may not put someone in
// a group holding what they lack, nor touch a user outside their
// facilities.
func TestGroups_MembersNoEscalation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	north, south := e.facility("North Plant"), e.facility("South Store")
	admins := e.group("User admins", "users.view", "users.edit", "facilities.view")
	big := e.group("Deleters", "users.delete")
	e.activeUser("Lim", "Ited", "lim@acme.test", service.UserInput{GroupIDs: []string{admins.ID}, FacilityIDs: []string{north.ID}})
	nina := e.invite("Nina", "North", "nina@acme.test", service.UserInput{FacilityIDs: []string{north.ID}})
	sam := e.invite("Sam", "South", "sam@acme.test", service.UserInput{FacilityIDs: []string{south.ID}})
	b := e.signIn("lim@acme.test")

	res := b.post("/groups/"+big.ID+"/members", url.Values{"member": {"nina@acme.test"}})
	if res.status != http.StatusForbidden || !strings.Contains(res.body, "users.delete") {
		t.Errorf("adding to a group beyond the admin: %d\n%s", res.status, res.body)
	}
	if res := b.post("/groups/"+admins.ID+"/members", url.Values{"member": {"sam@acme.test"}}); res.status != http.StatusBadRequest ||
		!strings.Contains(res.body, "Nobody you may see matches") {
		t.Errorf("a user out of scope by email: %d", res.status)
	}
	if res := b.post("/groups/"+admins.ID+"/members", url.Values{"user_id": {sam.ID}}); res.status != http.StatusBadRequest {
		t.Errorf("a user out of scope by id: %d", res.status)
	}
	for _, id := range []string{nina.ID, sam.ID} {
		if u, _ := e.svc.GetUser(e.ctx, e.admin, id); len(u.GroupIDs) != 0 {
			t.Errorf("%s was added: %v", u.FirstName, u.GroupIDs)
		}
	}
}

// checkedPermissions lists the permission checkboxes a form ticks.
func checkedPermissions(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<input id="perm-([^"]+)"[^>]*type="checkbox"([^>]*)>`).FindAllStringSubmatch(body, -1) {
		if strings.Contains(m[2], " checked") {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}
