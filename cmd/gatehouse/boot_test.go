package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a buffer that the server writes while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls until find matches in b, for up to 10 s.
func waitFor(t *testing.T, what string, b *syncBuffer, find *regexp.Regexp) []string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := find.FindStringSubmatch(b.String()); m != nil {
			return m
		}
	}
	t.Fatalf("no %s after 10 s:\n%s", what, b.String())
	return nil
}

// TestServeBoots runs the binary's run as main does, with serve on port 0
// and the metrics listener on another: health and readiness answer, the
// metrics listener counts the requests, each request is logged with its
// request id, and cancelling the context (SIGINT, SIGTERM) stops accepting
// connections but lets a request in flight finish before run returns.
func TestServeBoots(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr syncBuffer
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	env := map[string]string{"GATEHOUSE_LOG_LEVEL": "debug", "GATEHOUSE_METRICS_ADDR": "127.0.0.1:0"}
	returned := make(chan error, 1)
	go func() {
		returned <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "gh.db"), "--mail-dir", filepath.Join(dir, "mail")},
			func(k string) string { return env[k] }, &stdout, &stderr)
	}()
	url := waitFor(t, "serving line on stdout", &stdout, regexp.MustCompile(`Gatehouse is serving at (http://127\.0\.0\.1:\d+)\n`))[1]
	metricsURL := waitFor(t, "metrics listener in the log", &stderr, regexp.MustCompile(`msg="metrics serving" url=(http://127\.0\.0\.1:\d+/metrics)`))[1]

	get := func(url string) (int, string, http.Header) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("X-Request-ID", "boot-test")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body), res.Header
	}
	if status, body, _ := get(url + "/healthz"); status != http.StatusOK || !strings.Contains(body, `"ok"`) {
		t.Errorf("/healthz: %d %s", status, body)
	}
	if status, body, _ := get(url + "/readyz"); status != http.StatusOK || !strings.Contains(body, `"ready"`) {
		t.Errorf("/readyz: %d %s", status, body)
	}
	if status, _, h := get(url + "/sign-in"); status != http.StatusOK || h.Get("X-Request-ID") != "boot-test" {
		t.Errorf("/sign-in: %d, X-Request-ID %q", status, h.Get("X-Request-ID"))
	}
	if status, _, _ := get(url + "/metrics"); status != http.StatusNotFound {
		t.Errorf("/metrics on the public address: %d, want 404", status)
	}
	if status, body, _ := get(metricsURL); status != http.StatusOK || !strings.Contains(body, "gatehouse_http_requests_total") {
		t.Errorf("metrics listener: %d\n%s", status, body)
	}
	waitFor(t, "request log line", &stderr, regexp.MustCompile(`msg=request method=GET path=/sign-in status=200 duration=\S+ request_id=boot-test`))

	// A request in flight, on a connection of its own (an idle kept-alive
	// one is closed at shutdown, as it should be): its body arrives in two
	// halves, the second only once the server has stopped accepting
	// connections. With Expect: 100-continue the client sends the body
	// only once the handler reads it, so the first half written means the
	// request is being handled.
	body, half := io.Pipe()
	answered := make(chan *http.Response, 1)
	go func() {
		req, _ := http.NewRequest("POST", url+"/api/v1/sessions", body)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Expect", "100-continue")
		res, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true, ExpectContinueTimeout: time.Minute}}).Do(req)
		if err != nil {
			t.Errorf("the request in flight: %v", err)
			answered <- nil
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		answered <- res
	}()
	if _, err := io.WriteString(half, `{"email": "nobody@acme.test", `); err != nil {
		t.Fatal(err)
	}
	stop() // SIGINT
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		res, err := fresh.Get(url + "/healthz")
		if err != nil {
			break // no longer accepting
		}
		res.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections 10 s after the context ended")
		}
	}
	select {
	case err := <-returned:
		t.Fatalf("run returned with a request in flight: %v", err)
	default:
	}
	io.WriteString(half, `"password": "not the password"}`)
	half.Close()
	if res := <-answered; res == nil || res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the request in flight got %v, want 401", res)
	}
	select {
	case err := <-returned:
		if err != nil {
			t.Fatalf("run: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after the request in flight finished")
	}
	for _, line := range []string{`msg="shutting down: finishing requests in flight"`, `msg=request method=POST path=/api/v1/sessions status=401`, `msg=stopped`} {
		if !strings.Contains(stderr.String(), line) {
			t.Errorf("the log lacks %s:\n%s", line, stderr.String())
		}
	}
}
