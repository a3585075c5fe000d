// Package mailer delivers Gatehouse's email: over SMTP, or as one .eml file per
// message in a folder (for development and operators without SMTP); and the
// worker that sends the durable outbox.
package mailer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	gomail "github.com/wneessen/go-mail"

	"github.com/gatehouse/gatehouse"
)

// compose turns a message into a MIME message with plain-text and HTML parts.
func compose(from string, m gatehouse.Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("mail: sender %q: %w", from, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail: recipient %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	if m.ID != "" {
		msg.SetMessageIDWithValue(m.ID + "@gatehouse")
	} else {
		msg.SetMessageID()
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// Dir writes each message as one .eml file into a folder.
type Dir struct {
	Path string
	From string
}

// Send writes the message to a new file, atomically: a reader never sees
// half a message. It is idempotent per message: sent again (a retry after
// a crash, or two instances at once), a message with an id replaces its
// own file, and each write goes through a temporary file of its own.
func (d Dir) Send(_ context.Context, m gatehouse.Message) error {
	msg, err := compose(d.From, m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.Path, 0o750); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	// A message sent again after a crash keeps its file name and replaces
	// itself rather than arriving twice.
	name := m.ID + ".eml"
	if m.ID == "" {
		name = gatehouse.NewID(gatehouse.PrefixMail) + ".eml"
	}
	f, err := os.CreateTemp(d.Path, "."+name+".*.tmp")
	if err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	tmp := f.Name()
	_, err = msg.WriteTo(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(d.Path, name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("mail: %w", err)
	}
	return nil
}
