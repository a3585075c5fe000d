package mailer_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/mailer"
)

// Two instances that both send one message (the second after the first's
// claim lapsed) may write it at the same moment: every write succeeds, and
// the folder holds the one complete message, no half-written file.
func TestDirIsIdempotentPerMessageUnderConcurrentSends(t *testing.T) {
	dir := t.TempDir()
	msg := gatehouse.Message{ID: "mail_0001", To: "ann@acme.test", Subject: "Welcome", Text: "plain", HTML: "<p>html</p>"}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- mailer.Dir{Path: dir, From: sender}.Send(context.Background(), msg)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a repeated send failed: %v", err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "mail_0001.eml" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("folder after concurrent repeats: %v", names)
	}
	data, err := os.ReadFile(filepath.Join(dir, "mail_0001.eml"))
	if err != nil {
		t.Fatal(err)
	}
	m := parseMessage(t, data)
	if m.header.Get("Message-ID") != "<mail_0001@gatehouse>" || m.subject(t) != "Welcome" || m.text != "plain" || m.html != "<p>html</p>" {
		t.Fatalf("written message: %v %q %q", m.header, m.text, m.html)
	}
}

// A crashed instance's mail goes out seconds after its claim, not minutes:
// the default claim is 15 s, and longer than one SMTP send may take.
func TestOutboxClaimIsShortAndOutlastsASend(t *testing.T) {
	o := mailer.NewOutbox(nil, nil, nil)
	if o.Lease != mailer.DefaultClaim || mailer.DefaultClaim > 15*time.Second || mailer.DefaultClaim <= mailer.SMTPTimeout {
		t.Fatalf("claim %v (default %v), SMTP timeout %v", o.Lease, mailer.DefaultClaim, mailer.SMTPTimeout)
	}
}
