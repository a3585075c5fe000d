package gatehouse

import "context"

// A Message is one email, composed and ready to send.
type Message struct {
	// ID is stable for one message: sent twice, it keeps its Message-ID and
	// file name, so a repeat after a crash can be recognised.
	ID      string
	To      string
	Subject string
	Text    string // plain-text part
	HTML    string // HTML part
}

// A Mailer delivers messages: over SMTP, or into a folder of .eml files.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}
