package main

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/service"
)

// TestServeTrustsOnlyTheProxiesItIsTold: GATEHOUSE_TRUST_PROXY and
// GATEHOUSE_TRUSTED_PROXIES configure serve like their flags; a network
// that does not parse stops serve before it starts, naming the entry; and
// the API and the web UI both read the client as the address the trusted
// proxy appended, with the caller's request id.
func TestServeTrustsOnlyTheProxiesItIsTold(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "gh.db")
	_, _, err := runCLI(t, map[string]string{"GATEHOUSE_TRUSTED_PROXIES": "10.0.0.0/8,10.0.0.0/33"}, "serve", "--db", db, "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "GATEHOUSE_TRUSTED_PROXIES") || !strings.Contains(err.Error(), `"10.0.0.0/33"`) {
		t.Fatalf("a bad network: %v", err)
	}

	var stderr bytes.Buffer
	env := &environment{getenv: func(k string) string {
		return map[string]string{"GATEHOUSE_TRUST_PROXY": "true", "GATEHOUSE_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1"}[k]
	}, stdout: &bytes.Buffer{}, stderr: &stderr}
	fs := newFlagSet(env, "serve", "")
	var cfg serveConfig
	cfg.register(fs)
	if err := parse(env, fs, []string{"--db", db, "--addr", "127.0.0.1:0", "--mail-dir", filepath.Join(dir, "mail")}); err != nil {
		t.Fatal(err)
	}
	if !cfg.TrustProxy || cfg.Proxies.String() != "10.0.0.0/8,127.0.0.1/32" {
		t.Fatalf("trust proxy %v, proxies %s", cfg.TrustProxy, cfg.Proxies)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	cfg.Passwords = testsupport.Passwords()
	err = serve(ctx, env, cfg, func(r server.Running) error {
		svc, url := r.Service, r.URL
		defer stop()
		_, catalog, err := catalogs.Load("facilities")
		if err != nil {
			return err
		}
		org, err := svc.CreateOrganization(ctx, service.NewOrganization{Name: "Acme", Catalog: catalog, AdminEmail: "admin@acme.test"})
		if err != nil {
			return err
		}
		send := func(method, path, body string) *http.Response {
			req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+org.APIKey)
			req.Header.Set("X-Forwarded-For", "203.0.113.66, 198.51.100.7, 10.1.1.1")
			req.Header.Set("X-Request-ID", "trace-"+method)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res
		}
		if res := send("POST", "/api/v1/facilities", `{"name":"Dock"}`); res.StatusCode != http.StatusCreated || res.Header.Get("X-Request-ID") != "trace-POST" {
			t.Errorf("API: %d, X-Request-ID %q", res.StatusCode, res.Header.Get("X-Request-ID"))
		}
		events, err := svc.AuditEvents(ctx, gatehouse.SystemActor(org.Org.ID), gatehouse.AuditFilter{Action: "facility.created", Limit: 1})
		if err != nil || len(events) != 1 || events[0].Client != "198.51.100.7" || events[0].RequestID != "trace-POST" {
			t.Errorf("audit: %+v %v, want from 198.51.100.7 in request trace-POST", events, err)
		}
		if res := send("GET", "/sign-in", ""); res.StatusCode != http.StatusOK || res.Header.Get("X-Request-ID") != "trace-GET" {
			t.Errorf("UI: %d, X-Request-ID %q", res.StatusCode, res.Header.Get("X-Request-ID"))
		}
		return nil
	})
	if err != nil {
		t.Fatalf("serve: %v\n%s", err, stderr.String())
	}
}

// TestServeMailClaim: --mail-claim (GATEHOUSE_MAIL_CLAIM) sets how long an
// instance's claim on outgoing mail lasts, 15 s by default; one no longer
// than an SMTP send's timeout stops serve before it starts.
func TestServeMailClaim(t *testing.T) {
	db := filepath.Join(t.TempDir(), "gh.db")
	_, _, err := runCLI(t, map[string]string{"GATEHOUSE_MAIL_CLAIM": "5s"}, "serve", "--db", db, "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "mail-claim") {
		t.Fatalf("a claim shorter than an SMTP send: %v", err)
	}
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want time.Duration
	}{
		{nil, nil, 15 * time.Second},
		{map[string]string{"GATEHOUSE_MAIL_CLAIM": "30s"}, nil, 30 * time.Second},
		{map[string]string{"GATEHOUSE_MAIL_CLAIM": "30s"}, []string{"--mail-claim", "1m"}, time.Minute},
	} {
		env := &environment{getenv: func(k string) string { return tc.env[k] }, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
		fs := newFlagSet(env, "serve", "")
		var cfg serveConfig
		cfg.register(fs)
		if err := parse(env, fs, tc.args); err != nil {
			t.Fatal(err)
		}
		if cfg.MailClaim != tc.want {
			t.Errorf("%v %v: claim %v, want %v", tc.env, tc.args, cfg.MailClaim, tc.want)
		}
	}
}
