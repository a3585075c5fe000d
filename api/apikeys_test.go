package api_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestAPIKeys(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	created, rev := o.admin.ok(http.StatusCreated, "POST", "/api/v1/api-keys", obj{"name": "work-orders service"})
	id, secret := str(created, "id"), str(created, "secret")
	if id == "" || created["name"] != "work-orders service" || created["created_at"] == nil || secret == "" ||
		!strings.HasPrefix(secret, str(created, "prefix")) || len(str(created, "prefix")) >= len(secret) || rev <= 0 {
		t.Fatalf("created key: %v", created)
	}
	if _, ok := created["last_used_at"]; !ok {
		t.Fatalf("created key has no last_used_at: %v", created)
	}

	// The secret is shown once: the list never has it.
	list := items(t, o.admin.get("/api/v1/api-keys"))
	if len(list) != 2 {
		t.Fatalf("keys: %v", list)
	}
	for _, k := range list {
		if _, ok := k["secret"]; ok {
			t.Fatalf("the list shows a secret: %v", k)
		}
		for _, v := range k {
			if s, ok := v.(string); ok && s == secret {
				t.Fatalf("the list shows the secret: %v", k)
			}
		}
	}

	// The key acts as its owner.
	key := e.bearer(secret)
	me := key.get("/api/v1/me")
	if me["user"].(obj)["id"] != o.adminID || me["api_key_id"] != id || me["organization"].(obj)["id"] != o.id {
		t.Fatalf("me through the new key: %v", me)
	}
	pat := o.user("pat", nil)
	patKey := o.as(pat)
	if got := patKey.get("/api/v1/me")["user"].(obj)["id"]; got != pat {
		t.Fatalf("pat's key acts as %v", got)
	}
	status, _, body := patKey.do("GET", "/api/v1/users", nil)
	wantReason(t, status, body, "permission_missing")

	// Keys are their owner's: another user's key id is not found, and the
	// list holds only one's own.
	patKeys := items(t, patKey.get("/api/v1/api-keys"))
	if len(patKeys) != 1 {
		t.Fatalf("pat's keys: %v", patKeys)
	}
	status, _, body = o.admin.do("DELETE", "/api/v1/api-keys/"+str(patKeys[0], "id"), nil)
	wantError(t, status, body, http.StatusNotFound, "not_found")
	status, _, body = patKey.do("DELETE", "/api/v1/api-keys/"+id, nil)
	wantError(t, status, body, http.StatusNotFound, "not_found")
	patKey.get("/api/v1/me")

	// Revoked, the key stops at once.
	status, h, data := o.admin.doRaw("DELETE", "/api/v1/api-keys/"+id, nil)
	if status != http.StatusNoContent || len(data) != 0 || revision(t, h) <= rev {
		t.Fatalf("revoke: %d %s", status, data)
	}
	status, _, body = key.do("GET", "/api/v1/me", nil)
	wantError(t, status, body, http.StatusUnauthorized, "unauthorized")
	status, _, body = o.admin.do("DELETE", "/api/v1/api-keys/"+id, nil)
	wantError(t, status, body, http.StatusNotFound, "not_found")
	if got := items(t, o.admin.get("/api/v1/api-keys")); len(got) != 1 {
		t.Fatalf("keys after revoking: %v", got)
	}
	// A key can revoke itself.
	self := items(t, patKey.get("/api/v1/api-keys"))[0]
	patKey.ok(http.StatusNoContent, "DELETE", "/api/v1/api-keys/"+str(self, "id"), nil)
	status, _, body = patKey.do("GET", "/api/v1/api-keys", nil)
	wantError(t, status, body, http.StatusUnauthorized, "unauthorized")
}
