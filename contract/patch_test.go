package contract

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/api"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/store/storetest"
)

// TestPatchListsThroughTheGeneratedClient: with the generated client, a
// PATCH that leaves a list out keeps it, and one that sends an empty list
// clears it, for a user's groups, permissions and facilities and a group's
// permissions.
func TestPatchListsThroughTheGeneratedClient(t *testing.T) {
	ctx := context.Background()
	c := serve(t)

	group := c.createGroup(t, CreateGroupInputBody{Name: "Technicians", Permissions: []string{"work_orders.view"}})
	fac, err := c.CreateFacilityWithResponse(ctx, CreateFacilityInputBody{Name: "North Depot"})
	if err != nil || fac.JSON201 == nil {
		t.Fatalf("create facility: %v %s", err, fac.Body)
	}
	invited, err := c.InviteUserWithResponse(ctx, nil, InviteUserJSONRequestBody{FirstName: "Tess", LastName: "Tech", Email: "tess@acme.test",
		GroupIds: []string{group}, Permissions: []string{"reports.view"}, FacilityIds: []string{fac.JSON201.Id}})
	if err != nil || invited.JSON201 == nil {
		t.Fatalf("invite: %v %s", err, invited.Body)
	}
	user := invited.JSON201.Id

	renamed := "Tessa"
	c.updateUser(t, user, UpdateUserInputBody{FirstName: &renamed})
	got := c.user(t, user)
	if got.FirstName != renamed || !slices.Equal(got.GroupIds, []string{group}) || !slices.Equal(got.Permissions, []string{"reports.view"}) ||
		!slices.Equal(got.FacilityIds, []string{fac.JSON201.Id}) {
		t.Errorf("a PATCH without lists changed them: %+v", got)
	}

	c.updateUser(t, user, UpdateUserInputBody{GroupIds: []string{}, Permissions: []string{}, FacilityIds: []string{}})
	got = c.user(t, user)
	if got.FirstName != renamed || len(got.GroupIds)+len(got.Permissions)+len(got.FacilityIds) != 0 {
		t.Errorf("a PATCH with empty lists did not clear them: %+v", got)
	}

	name := "Field technicians"
	c.updateGroup(t, group, UpdateGroupInputBody{Name: &name})
	if g := c.group(t, group); g.Name != name || !slices.Equal(g.Permissions, []string{"work_orders.view"}) {
		t.Errorf("a group PATCH without permissions changed them: %+v", g)
	}
	c.updateGroup(t, group, UpdateGroupInputBody{Permissions: []string{}})
	if g := c.group(t, group); g.Name != name || len(g.Permissions) != 0 {
		t.Errorf("a group PATCH with empty permissions did not clear them: %+v", g)
	}
}

// testClient is the generated client, acting as an organization's first
// full-access admin against the real API on a real database.
type testClient struct {
	*ClientWithResponses
}

func serve(t *testing.T) testClient {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(db, testsupport.ServiceConfig("http://gatehouse.test", logger))
	_, catalog, err := catalogs.Load("facilities")
	if err != nil {
		t.Fatal(err)
	}
	org, err := svc.CreateOrganization(ctx, service.NewOrganization{Name: "Acme", Catalog: catalog, AdminEmail: "admin@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(svc, logger))
	t.Cleanup(srv.Close)
	c, err := NewClientWithResponses(srv.URL, WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+org.APIKey)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	return testClient{c}
}

func (c testClient) createGroup(t *testing.T, body CreateGroupInputBody) string {
	t.Helper()
	resp, err := c.CreateGroupWithResponse(context.Background(), nil, body)
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("create group: %v %s", err, resp.Body)
	}
	return resp.JSON201.Id
}

func (c testClient) updateUser(t *testing.T, id string, body UpdateUserInputBody) {
	t.Helper()
	resp, err := c.UpdateUserWithResponse(context.Background(), id, nil, body)
	if err != nil || resp.StatusCode() != http.StatusOK {
		t.Fatalf("update user: %v %s", err, resp.Body)
	}
}

func (c testClient) updateGroup(t *testing.T, id string, body UpdateGroupInputBody) {
	t.Helper()
	resp, err := c.UpdateGroupWithResponse(context.Background(), id, nil, body)
	if err != nil || resp.StatusCode() != http.StatusOK {
		t.Fatalf("update group: %v %s", err, resp.Body)
	}
}

func (c testClient) user(t *testing.T, id string) UserJSON {
	t.Helper()
	resp, err := c.GetUserWithResponse(context.Background(), id)
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("get user: %v %s", err, resp.Body)
	}
	return *resp.JSON200
}

func (c testClient) group(t *testing.T, id string) GroupJSON {
	t.Helper()
	resp, err := c.GetGroupWithResponse(context.Background(), id)
	if err != nil || resp.JSON200 == nil {
		t.Fatalf("get group: %v %s", err, resp.Body)
	}
	return *resp.JSON200
}
