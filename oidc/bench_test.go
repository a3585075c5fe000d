package oidc_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	ghoidc "github.com/gatehouse/gatehouse/oidc"
	"github.com/gatehouse/gatehouse/service"
)

// Benchmarks of the token and introspection endpoints over real HTTP, one
// request at a time, on SQLite (or PostgreSQL with GATEHOUSE_TEST_DB=postgres):
//
//	go test -run x -bench 'Refresh|Introspection' -benchtime 2000x ./oidc
//
// Each reports, besides ns/op, the requests per second and the p50 and p99
// of the requests' durations. Figures: docs/benchmarks.md.

// BenchmarkRefresh uses a refresh token, and the one each answer brings
// next: a rotation per request (two rows written, one updated, the user's
// state checked), as a platform keeping a session alive does.
func BenchmarkRefresh(b *testing.B) {
	g, app, secret, tok := benchSignIn(b)
	refresh := tok.RefreshToken
	form := url.Values{"grant_type": {"refresh_token"}}
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		form.Set("refresh_token", refresh)
		start := time.Now()
		body := benchPost(b, g.url+ghoidc.PathToken, form, app, secret)
		durations = append(durations, time.Since(start))
		var answer struct {
			RefreshToken string `json:"refresh_token"`
		}
		if err := json.Unmarshal(body, &answer); err != nil || answer.RefreshToken == "" {
			b.Fatalf("refresh: %s", body)
		}
		refresh = answer.RefreshToken
	}
	reportPercentiles(b, durations)
}

// BenchmarkIntrospection asks about one access token, as a resource server
// that wants revocation seen at once does on every request it serves.
func BenchmarkIntrospection(b *testing.B) {
	g, app, secret, tok := benchSignIn(b)
	form := url.Values{"token": {tok.AccessToken}}
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		body := benchPost(b, g.url+ghoidc.PathIntrospect, form, app, secret)
		durations = append(durations, time.Since(start))
		if !strings.Contains(string(body), `"active":true`) {
			b.Fatalf("introspection: %s", body)
		}
	}
	reportPercentiles(b, durations)
}

// benchSignIn signs bob in to a confidential application with
// offline_access and returns its tokens.
func benchSignIn(b *testing.B) (*gh, string, string, *tokens) {
	b.Helper()
	g := startGatehouse(b)
	app, secret := g.app(b, g.orgA, service.OIDCClientInput{Confidential: true, Scopes: []string{"offline_access"}})
	r := newRP(b, g, app.ID, secret, oidc.ScopeOfflineAccess)
	br := newBrowser(b)
	p, verifier := r.authorize(br)
	tok, _ := r.exchange(r.code(br.signIn(g.url, p, "bob@acme.test", password)), verifier)
	return g, app.ID, secret, &tokens{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken}
}

type tokens struct{ AccessToken, RefreshToken string }

var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}

func benchPost(b *testing.B, target string, form url.Values, clientID, secret string) []byte {
	req, _ := http.NewRequest("POST", target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err := benchClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: %d %s", target, resp.StatusCode, body)
	}
	return body
}

// reportPercentiles adds requests/s, p50 and p99 (in ms) to the result.
func reportPercentiles(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	var total time.Duration
	for _, x := range d {
		total += x
	}
	ms := func(x time.Duration) float64 { return float64(x) / float64(time.Millisecond) }
	b.ReportMetric(float64(len(d))/total.Seconds(), "req/s")
	b.ReportMetric(ms(d[len(d)*50/100]), "p50-ms")
	b.ReportMetric(ms(d[min(len(d)-1, len(d)*99/100)]), "p99-ms")
}
