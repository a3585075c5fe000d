package mailer_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/mailer"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/store/storetest"
)

const sender = "Gatehouse <gatehouse@localhost>"

// smtpServer is a real SMTP server on loopback that records the messages it
// accepts. It can be told to refuse the next few recipients or messages with
// a temporary error, as a busy server does.
type smtpServer struct {
	addr string

	mu       sync.Mutex
	accepted []received
	sessions int // connections that reached the session stage
	failRcpt int // refuse this many next RCPT TO commands
	failData int // refuse this many next DATA commands
}

type received struct {
	from string
	to   []string
	data []byte
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	srv := &smtpServer{}
	s := smtp.NewServer(srv)
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.addr = l.Addr().String()
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return srv
}

// url is the --smtp-url that reaches the server.
func (srv *smtpServer) url() string { return "smtp://" + srv.addr }

func (srv *smtpServer) messages() []received {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return append([]received(nil), srv.accepted...)
}

func (srv *smtpServer) connections() int {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return srv.sessions
}

func (srv *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) {
	srv.mu.Lock()
	srv.sessions++
	srv.mu.Unlock()
	return &smtpSession{srv: srv}, nil
}

var tryLater = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}

type smtpSession struct {
	srv  *smtpServer
	from string
	to   []string
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if s.srv.failRcpt > 0 {
		s.srv.failRcpt--
		return tryLater
	}
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if s.srv.failData > 0 {
		s.srv.failData--
		return tryLater
	}
	s.srv.accepted = append(s.srv.accepted, received{from: s.from, to: s.to, data: data})
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

// parsed is a received message, decoded.
type parsed struct {
	header mail.Header
	text   string
	html   string
}

func (p parsed) subject(t *testing.T) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(p.header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// parseMessage decodes a MIME message into its plain-text and HTML parts.
func parseMessage(t *testing.T, data []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a mail message: %v\n%s", err, data)
	}
	p := parsed{header: m.Header}
	var walk func(contentType, encoding string, body io.Reader)
	walk = func(contentType, encoding string, body io.Reader) {
		mediaType, params, err := mime.ParseMediaType(contentType)
		if err != nil {
			t.Fatalf("content type %q: %v", contentType, err)
		}
		if strings.HasPrefix(mediaType, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				part, err := mr.NextPart()
				if errors.Is(err, io.EOF) {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				// multipart decodes quoted-printable parts itself.
				walk(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part)
			}
		}
		if strings.EqualFold(encoding, "base64") {
			body = base64.NewDecoder(base64.StdEncoding, body)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		switch mediaType {
		case "text/plain":
			p.text += string(b)
		case "text/html":
			p.html += string(b)
		}
	}
	enc := m.Header.Get("Content-Transfer-Encoding")
	if enc == "quoted-printable" { // a single-part body: multipart does not decode it for us
		t.Fatalf("single-part quoted-printable message; expected multipart/alternative:\n%s", data)
	}
	walk(m.Header.Get("Content-Type"), enc, m.Body)
	return p
}

// env is an SQLite store with one organization.
type env struct {
	path string
	db   *store.DB
	svc  *service.Service
	org  *gatehouse.Organization
	log  *slog.Logger
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{path: storetest.DSN(t), log: slog.New(slog.NewTextHandler(t.Output(), nil))}
	db, err := store.Open(ctx, e.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, data, err := catalogs.Load("facilities")
	if err != nil {
		t.Fatal(err)
	}
	e.db, e.svc = db, service.New(db, testsupport.ServiceConfig("https://gatehouse.example.com/", nil))
	founded, err := e.svc.CreateOrganization(ctx, service.NewOrganization{Name: "Acme Facilities", Catalog: data, AdminEmail: "admin@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	e.org = founded.Org
	return e
}

// enqueue queues one message directly, as a write does in its transaction.
func (e *env) enqueue(t *testing.T, db gatehouse.Store, to string) string {
	t.Helper()
	m := &gatehouse.OutboxMail{OrgID: e.org.ID, Message: gatehouse.Message{
		To: to, Subject: "Hello from " + e.org.Name, Text: "plain body", HTML: "<p>html body</p>"}}
	err := db.Update(context.Background(), func(tx gatehouse.Tx) error { return tx.EnqueueMail(m) })
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// outboxRow reads one row of the outbox straight from the SQLite file.
type outboxRow struct {
	attempts  int
	lastError string
	sent      bool
	bodyLen   int // text and HTML, cleared once sent: they carry tokens
}

func readOutbox(t *testing.T, path, id string) outboxRow {
	t.Helper()
	raw, err := storetest.OpenRaw(path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var r outboxRow
	err = raw.QueryRow(`SELECT attempts, last_error, sent_at IS NOT NULL, length(text_body) + length(html_body) FROM outbox WHERE id = $1`, id).Scan(
		&r.attempts, &r.lastError, &r.sent, &r.bodyLen)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func outboxIDs(t *testing.T, path string) []string {
	t.Helper()
	raw, err := storetest.OpenRaw(path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(`SELECT id FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func newSMTP(t *testing.T, srv *smtpServer) *mailer.SMTP {
	t.Helper()
	s, err := mailer.NewSMTP(srv.url(), sender)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func drain(t *testing.T, o *mailer.Outbox) int {
	t.Helper()
	n, err := o.Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOutboxDeliversAnInvitationOverSMTP(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t)
	ctx := context.Background()
	invited, err := e.svc.InviteUser(ctx, gatehouse.SystemActor(e.org.ID), service.UserInput{FirstName: "Ivy", LastName: "Invited", Email: "ivy@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	ids := outboxIDs(t, e.path)
	if len(ids) != 1 {
		t.Fatalf("outbox holds %d messages after one invitation", len(ids))
	}

	o := mailer.NewOutbox(e.db, newSMTP(t, srv), e.log)
	if n := drain(t, o); n != 1 {
		t.Fatalf("Drain sent %d, want 1", n)
	}
	got := srv.messages()
	if len(got) != 1 {
		t.Fatalf("server accepted %d messages, want 1", len(got))
	}
	if got[0].from != "gatehouse@localhost" || len(got[0].to) != 1 || got[0].to[0] != "ivy@acme.test" {
		t.Fatalf("envelope from %q to %q", got[0].from, got[0].to)
	}
	m := parseMessage(t, got[0].data)
	if subject := m.subject(t); !strings.Contains(subject, "Acme Facilities") {
		t.Errorf("subject %q lacks the organization's name", subject)
	}
	if id := m.header.Get("Message-ID"); id != "<"+ids[0]+"@gatehouse>" {
		t.Errorf("Message-ID %q, want <%s@gatehouse>", id, ids[0])
	}
	if to := m.header.Get("To"); !strings.Contains(to, "ivy@acme.test") {
		t.Errorf("To %q", to)
	}
	if from := m.header.Get("From"); !strings.Contains(from, "gatehouse@localhost") {
		t.Errorf("From %q", from)
	}
	link := "https://gatehouse.example.com/invite?token=" + url.QueryEscape(invited.Token)
	if !strings.Contains(m.text, link) {
		t.Errorf("text part lacks %s:\n%s", link, m.text)
	}
	if !strings.Contains(m.html, `href="`+link+`"`) {
		t.Errorf("HTML part lacks a link to %s:\n%s", link, m.html)
	}
	if strings.Contains(m.text, "<p>") || !strings.Contains(m.html, "<p>") {
		t.Errorf("parts mixed up:\ntext: %s\nhtml: %s", m.text, m.html)
	}
	if row := readOutbox(t, e.path, ids[0]); !row.sent || row.attempts != 1 || row.lastError != "" || row.bodyLen != 0 {
		t.Fatalf("outbox row after delivery: %+v", row)
	}

	if n := drain(t, o); n != 0 {
		t.Fatalf("second Drain sent %d", n)
	}
	if len(srv.messages()) != 1 {
		t.Fatal("a sent message was sent again")
	}
}

func TestOutboxRetriesWithBackoffAndDeliversOnce(t *testing.T) {
	for _, failIn := range []string{"rcpt", "data", "both"} {
		t.Run(failIn, func(t *testing.T) {
			e := newEnv(t)
			srv := startSMTP(t)
			srv.mu.Lock()
			switch failIn {
			case "rcpt":
				srv.failRcpt = 2
			case "data":
				srv.failData = 2
			case "both":
				srv.failRcpt, srv.failData = 1, 1
			}
			srv.mu.Unlock()
			id := e.enqueue(t, e.db, "rita@acme.test")
			o := mailer.NewOutbox(e.db, newSMTP(t, srv), e.log)
			clock := time.Now().UTC().Add(time.Second) // the mail is due
			o.Now = func() time.Time { return clock }

			// First attempt: refused; retried after 10 s.
			if n := drain(t, o); n != 0 {
				t.Fatalf("sent %d while the server refuses", n)
			}
			row := readOutbox(t, e.path, id)
			if row.sent || row.attempts != 1 || !strings.Contains(row.lastError, "451") || row.bodyLen == 0 {
				t.Fatalf("after one failure: %+v", row)
			}
			conns := srv.connections()
			clock = clock.Add(9 * time.Second)
			if n := drain(t, o); n != 0 || srv.connections() != conns {
				t.Fatalf("retried before the backoff ended (sent %d, connections %d → %d)", n, conns, srv.connections())
			}

			// Second attempt, after 10 s: refused again; retried after 20 s.
			clock = clock.Add(2 * time.Second)
			if n := drain(t, o); n != 0 {
				t.Fatalf("sent %d while the server refuses", n)
			}
			if row := readOutbox(t, e.path, id); row.sent || row.attempts != 2 {
				t.Fatalf("after two failures: %+v", row)
			}
			conns = srv.connections()
			clock = clock.Add(19 * time.Second)
			if n := drain(t, o); n != 0 || srv.connections() != conns {
				t.Fatalf("retried before the second backoff ended (sent %d)", n)
			}

			// Third attempt: accepted.
			clock = clock.Add(2 * time.Second)
			if n := drain(t, o); n != 1 {
				t.Fatalf("third attempt sent %d, want 1", n)
			}
			if got := srv.messages(); len(got) != 1 || got[0].to[0] != "rita@acme.test" {
				t.Fatalf("server accepted %d messages, want exactly 1", len(got))
			}
			if row := readOutbox(t, e.path, id); !row.sent || row.attempts != 3 || row.lastError != "" {
				t.Fatalf("after delivery: %+v", row)
			}
			clock = clock.Add(24 * time.Hour)
			if n := drain(t, o); n != 0 || len(srv.messages()) != 1 {
				t.Fatalf("delivered mail sent again a day later (%d)", n)
			}
		})
	}
}

func TestOutboxSurvivesARestart(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t)
	ctx := context.Background()
	queued := e.enqueue(t, e.db, "queued@acme.test")
	inFlight := e.enqueue(t, e.db, "inflight@acme.test")
	// A sender claimed the second message and died before it could send it.
	now := time.Now().UTC()
	err := e.db.Update(ctx, func(tx gatehouse.Tx) error {
		ok, err := tx.ClaimMail(inFlight, now, now.Add(2*time.Minute))
		if !ok && err == nil {
			err = errors.New("claim refused")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := store.Open(ctx, e.path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	o := mailer.NewOutbox(db, newSMTP(t, srv), e.log)
	if n := drain(t, o); n != 1 {
		t.Fatalf("Drain after restart sent %d, want the 1 unclaimed message", n)
	}
	if got := srv.messages(); len(got) != 1 || got[0].to[0] != "queued@acme.test" {
		t.Fatalf("after restart the server got %d messages", len(got))
	}
	if !readOutbox(t, e.path, queued).sent || readOutbox(t, e.path, inFlight).sent {
		t.Fatal("outbox rows do not match what was sent")
	}
	// When the dead sender's lease ends, its message goes too, once.
	o.Now = func() time.Time { return now.Add(2*time.Minute + time.Second) }
	if n := drain(t, o); n != 1 {
		t.Fatalf("Drain after the lease sent %d, want 1", n)
	}
	if n := drain(t, o); n != 0 {
		t.Fatalf("Drain again sent %d", n)
	}
	got := srv.messages()
	if len(got) != 2 || got[1].to[0] != "inflight@acme.test" {
		t.Fatalf("server got %d messages, want each exactly once", len(got))
	}
	if !readOutbox(t, e.path, inFlight).sent {
		t.Fatal("in-flight message not marked sent")
	}
}

func TestOutboxRunSendsWhenKicked(t *testing.T) {
	e := newEnv(t)
	srv := startSMTP(t)
	o := mailer.NewOutbox(e.db, newSMTP(t, srv), e.log)
	o.Poll = time.Hour // only a kick wakes it
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { o.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	cfg := testsupport.ServiceConfig("https://gatehouse.example.com/", nil)
	cfg.MailQueued = o.Kick
	if _, err := service.New(e.db, cfg).InviteUser(ctx, gatehouse.SystemActor(e.org.ID), service.UserInput{FirstName: "K", LastName: "Ick", Email: "kick@acme.test"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(srv.messages()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("a kicked outbox did not send within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := srv.messages(); len(got) != 1 || got[0].to[0] != "kick@acme.test" {
		t.Fatalf("server got %d messages", len(got))
	}
}

func TestDirWritesOneFilePerMessageID(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail", "out") // created on first send
	d := mailer.Dir{Path: dir, From: sender}
	ctx := context.Background()
	msg := gatehouse.Message{ID: "mail_0001", To: "ann@acme.test", Subject: "First", Text: "plain", HTML: "<p>html</p>"}
	if err := d.Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "mail_0001.eml")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m := parseMessage(t, data)
	if m.header.Get("Message-ID") != "<mail_0001@gatehouse>" || m.subject(t) != "First" || m.text != "plain" || m.html != "<p>html</p>" {
		t.Fatalf("written message: %v %q %q", m.header, m.text, m.html)
	}

	// Sent again (a retry after a crash), it replaces its file.
	msg.Subject = "Second"
	if err := d.Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "mail_0001.eml" {
		t.Fatalf("folder after a repeat: %v", entries)
	}
	data, _ = os.ReadFile(file)
	if got := parseMessage(t, data).subject(t); got != "Second" {
		t.Fatalf("file not replaced: subject %q", got)
	}

	// Another message gets its own file; one without an id gets a new name.
	if err := d.Send(ctx, gatehouse.Message{ID: "mail_0002", To: "bob@acme.test", Subject: "S", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	if err := d.Send(ctx, gatehouse.Message{To: "cy@acme.test", Subject: "S", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != 3 {
		t.Fatalf("folder holds %d files, want 3", len(entries))
	}
	for _, entry := range entries {
		if !strings.HasSuffix(entry.Name(), ".eml") || strings.HasPrefix(entry.Name(), ".") {
			t.Fatalf("unexpected file %q", entry.Name())
		}
	}

	if err := d.Send(ctx, gatehouse.Message{ID: "mail_0003", To: "not an address", Subject: "S", Text: "t"}); err == nil {
		t.Fatal("a bad recipient was accepted")
	}
}

func TestNewSMTPParsesTheURL(t *testing.T) {
	for _, good := range []string{"smtp://mail.example.com", "smtp://user:secret@mail.example.com:587", "smtps://mail.example.com", "smtps://u:p@127.0.0.1:465"} {
		if _, err := mailer.NewSMTP(good, sender); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
	for name, bad := range map[string]string{
		"bad scheme":   "http://mail.example.com",
		"no scheme":    "mail.example.com:587",
		"no host":      "smtp://",
		"only a port":  "smtp://:587",
		"bad port":     "smtp://mail.example.com:port",
		"not a URL":    "::not a url",
		"empty":        "",
		"ftp with tls": "ftps://mail.example.com",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := mailer.NewSMTP(bad, sender)
			var e *gatehouse.Error
			if !errors.As(err, &e) || e.Code != gatehouse.EINVALID || e.Field != "smtp_url" {
				t.Fatalf("NewSMTP(%q) = %v, want an invalid smtp_url error", bad, err)
			}
		})
	}
}

func TestSMTPReportsAnUnreachableServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	s, err := mailer.NewSMTP("smtp://"+addr, sender)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Send(ctx, gatehouse.Message{ID: "mail_x", To: "a@acme.test", Subject: "S", Text: "t"}); err == nil {
		t.Fatal("sending to a closed port succeeded")
	}
}
