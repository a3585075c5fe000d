package service

import (
	"bytes"
	"embed"
	"errors"
	htmltemplate "html/template"
	texttemplate "text/template"
	"time"

	"github.com/gatehouse/gatehouse"
)

//go:embed mailtemplates
var mailFiles embed.FS

var (
	textMails = texttemplate.Must(texttemplate.ParseFS(mailFiles, "mailtemplates/*.txt"))
	htmlMails = htmltemplate.Must(htmltemplate.ParseFS(mailFiles, "mailtemplates/*.html"))
)

// mailData is what every mail template may use.
type mailData struct {
	Org     string
	User    *gatehouse.User
	Link    string
	Expires string
}

// composeMail renders one message from its plain-text and HTML templates.
func composeMail(name, subject string, to string, data mailData) (gatehouse.Message, error) {
	var text, html bytes.Buffer
	if err := textMails.ExecuteTemplate(&text, name+".txt", data); err != nil {
		return gatehouse.Message{}, err
	}
	if err := htmlMails.ExecuteTemplate(&html, name+".html", data); err != nil {
		return gatehouse.Message{}, err
	}
	return gatehouse.Message{To: to, Subject: subject, Text: text.String(), HTML: html.String()}, nil
}

// links returns the link builder, or an error when the service was built
// without one (a command that mails nothing).
func (s *Service) links() (gatehouse.Links, error) {
	if s.cfg.Links == nil {
		return nil, errors.New("service: no Config.Links, so no link can be mailed")
	}
	return s.cfg.Links, nil
}

// invitationMail is the email that carries an invitation's link.
func (s *Service) invitationMail(org string, u *gatehouse.User, token string, expires time.Time) (gatehouse.Message, error) {
	links, err := s.links()
	if err != nil {
		return gatehouse.Message{}, err
	}
	return composeMail("invitation", "You are invited to "+org+" on Gatehouse", u.Email, mailData{
		Org: org, User: u, Link: links.Invitation(token), Expires: expires.Format("2 January 2006 at 15:04 UTC"),
	})
}

// queueMail puts a message into the durable outbox, in the transaction of
// the write that causes it: the mail goes if and only if the write commits.
func queueMail(tx gatehouse.Tx, orgID string, m gatehouse.Message) error {
	return tx.EnqueueMail(&gatehouse.OutboxMail{OrgID: orgID, Message: m})
}
