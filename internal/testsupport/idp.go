package testsupport

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

// The single sign-on tests' identity provider: an OpenID provider nobody
// here wrote — zitadel/oidc's op package with its example storage and
// login page (POST /login/username: id, username, password) — on a server
// of its own, with the accounts a test gives.

// IdPClientID and IdPClientSecret are Gatehouse's registration at the
// test provider; IdPPassword is every account's password there.
const (
	IdPClientID     = "gatehouse"
	IdPClientSecret = "idp-client-secret"
	IdPPassword     = "idp password"
)

// IdPAccount is an account of the test provider; its username is its email.
func IdPAccount(id, email string, verified bool) *storage.User {
	return &storage.User{ID: id, Username: email, Password: IdPPassword, FirstName: "Kim", LastName: "Provider",
		Email: email, EmailVerified: verified}
}

// idpUsers are the provider's accounts, by id (storage.UserStore).
type idpUsers map[string]*storage.User

func (u idpUsers) GetUserByID(id string) *storage.User { return u[id] }
func (u idpUsers) GetUserByUsername(name string) *storage.User {
	for _, user := range u {
		if user.Username == name {
			return user
		}
	}
	return nil
}
func (u idpUsers) ExampleClientID() string { return storage.ServiceUserID }

// StartIdP runs the test provider until the test ends, with the accounts
// and Gatehouse registered with redirectURI; its URL is the issuer.
func StartIdP(t testing.TB, redirectURI string, accounts ...*storage.User) *httptest.Server {
	t.Helper()
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	users := idpUsers{}
	for _, a := range accounts {
		users[a.ID] = a
	}
	clients := map[string]*storage.Client{IdPClientID: storage.WebClient(IdPClientID, IdPClientSecret, redirectURI)}
	// SetupServer makes a given logger the process's default: a quiet one.
	handler = exampleop.SetupServer(srv.URL, storage.NewStorageWithClients(users, clients), slog.New(slog.DiscardHandler), false)
	return srv
}
