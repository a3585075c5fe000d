package mailer

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/gatehouse/gatehouse"
)

// SMTP sends through a mail server given as smtp://user:pass@host:port
// (STARTTLS where the server offers it) or smtps://… (TLS from the start).
type SMTP struct {
	From    string
	host    string
	options []gomail.Option
}

// NewSMTP parses an SMTP URL.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		return nil, gatehouse.Invalid("smtp_url", "smtp-url must look like smtp://user:pass@host:587 or smtps://host:465")
	}
	opts := []gomail.Option{gomail.WithTimeout(SMTPTimeout)}
	port := 0
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, gatehouse.Invalid("smtp_url", "bad port %q", p)
		}
	}
	switch u.Scheme {
	case "smtp":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
		if port == 0 {
			port = 587
		}
	case "smtps":
		opts = append(opts, gomail.WithSSL())
		if port == 0 {
			port = 465
		}
	default:
		return nil, gatehouse.Invalid("smtp_url", "smtp-url scheme must be smtp or smtps, not %q", u.Scheme)
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	return &SMTP{From: from, host: u.Hostname(), options: opts}, nil
}

// SMTPTimeout bounds one SMTP send, from dialling to the server's last
// answer. An outbox claim (Outbox.Lease) must be longer.
const SMTPTimeout = 10 * time.Second

// Send delivers one message in its own connection, within SMTPTimeout.
func (s *SMTP) Send(ctx context.Context, m gatehouse.Message) error {
	ctx, cancel := context.WithTimeout(ctx, SMTPTimeout)
	defer cancel()
	msg, err := compose(s.From, m)
	if err != nil {
		return err
	}
	client, err := gomail.NewClient(s.host, s.options...)
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("mail: sending to %s: %w", m.To, err)
	}
	return nil
}
