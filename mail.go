package gatehouse

import "context"

// A Message is one email, composed and ready to send.
type Message struct {
	To      string
	Subject string
	Text    string // plain-text part
	HTML    string // HTML part
}

// A Mailer delivers messages: over SMTP, or into a folder of .eml files.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}
