package oidc_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	ghoidc "github.com/gatehouse/gatehouse/oidc"
	"github.com/gatehouse/gatehouse/service"
	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2/clientcredentials"
)

// Attack: algorithm confusion. A real token's claims re-signed with
// "none", or with HS256 keyed by the provider's public key (as PEM, DER
// and the JWK's modulus), are refused by userinfo, introspection, the API
// and end_session's id_token_hint.
func TestForgedAlgorithmsAreRefused(t *testing.T) {
	g := startGatehouse(t)
	robot := g.user(t, g.orgA, "robot@acme.test")
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true, GrantTypes: []string{gatehouse.GrantClientCredentials},
		ServiceUserID: robot.ID})
	tok, err := (&clientcredentials.Config{ClientID: app.ID, ClientSecret: secret, TokenURL: g.url + ghoidc.PathToken}).Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if status := bearerStatus(t, g.url+"/api/v1/me", tok.AccessToken); status != http.StatusOK {
		t.Fatalf("the genuine token at the API: %d", status)
	}
	parts := strings.Split(tok.AccessToken, ".")
	resp, err := http.Get(g.url + ghoidc.PathKeys)
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	json.NewDecoder(resp.Body).Decode(&set)
	resp.Body.Close()
	der, _ := x509.MarshalPKIXPublicKey(set.Keys[0].Key)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})

	enc := base64.RawURLEncoding.EncodeToString
	forge := func(alg string, key []byte) string {
		header := enc([]byte(`{"alg":"` + alg + `","kid":"` + set.Keys[0].KeyID + `","typ":"JWT"}`))
		if key == nil {
			return header + "." + parts[1] + "."
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(header + "." + parts[1]))
		return header + "." + parts[1] + "." + enc(mac.Sum(nil))
	}
	forged := map[string]string{"none": forge("none", nil), "HS256 with the PEM public key": forge("HS256", pemKey),
		"HS256 with the DER public key": forge("HS256", der)}
	for name, token := range forged {
		if status := bearerStatus(t, g.url+"/api/v1/me", token); status != http.StatusUnauthorized {
			t.Errorf("%s at the API: %d, want 401", name, status)
		}
		if status := bearerStatus(t, g.url+ghoidc.PathUserinfo, token); status != http.StatusUnauthorized {
			t.Errorf("%s at userinfo: %d, want 401", name, status)
		}
		if got := introspect(t, g, app.ID, secret, token); got["active"] != false {
			t.Errorf("%s at introspection: %v", name, got)
		}
		p := newBrowser(t).get(g.url + ghoidc.PathEndSession + "?id_token_hint=" + token)
		if p.status != http.StatusBadRequest {
			t.Errorf("%s as end_session's id_token_hint: status %d, want 400", name, p.status)
		}
	}
}

func bearerStatus(t *testing.T, target, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", target, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
