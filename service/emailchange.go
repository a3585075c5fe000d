package service

import (
	"github.com/gatehouse/gatehouse"
)

// A change of email. An invited user's email changes at once: the
// invitation is sent again to the new address, and accepting it proves the
// address. An active or inactive user's new email waits as PendingEmail
// until its verification link is followed (ConfirmEmail); until then the
// old, verified address stays the one for sign-in and password reset, and
// it is told of the change.

// gatehouse.User.Apply applies the email of a patch. A non-invited user's
// new address is put in Email only for the write's checks (validation, the
// uniqueness of emails); holdNewEmail moves it to PendingEmail.

// holdNewEmail follows a write that put a new address in a non-invited
// user's Email (changeEmail): it puts the previous address back, keeps the
// new one pending, mails it a verification link and tells the previous
// address, in the write's transaction.
func (s *Service) holdNewEmail(tx gatehouse.Tx, u *gatehouse.User, previous, by string) error {
	u.PendingEmail, u.PendingEmailBy, u.Email = u.Email, by, previous
	if err := tx.UpdateUser(u); err != nil {
		return err
	}
	if err := s.issueToken(tx, u, verificationMail, u.PendingEmail); err != nil {
		return err
	}
	org, err := tx.FindOrganization(u.OrgID)
	if err != nil {
		return err
	}
	links, err := s.links()
	if err != nil {
		return err
	}
	msg, err := composeMail("email_change_notice", "Your sign-in email for "+org.Name+" is being changed", u.Email,
		mailData{Org: org.Name, User: u, Link: links.SignIn()})
	if err != nil {
		return err
	}
	return queueMail(tx, u.OrgID, msg)
}
