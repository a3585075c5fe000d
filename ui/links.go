package ui

import (
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// The pages that mailed links open. routes serves them at these paths and
// Links builds the links to them, so the two cannot drift apart.
const (
	pageSignIn        = "/sign-in"
	pageInvite        = "/invite"
	pageVerifyEmail   = "/verify-email"
	pageResetPassword = "/reset-password"
	pageSSOCallback   = "/sso/callback"
)

// Links returns the links to the web UI served at baseURL (e.g.
// https://gatehouse.example.com), for the service to mail.
func Links(baseURL string) gatehouse.Links { return links(strings.TrimRight(baseURL, "/")) }

type links string

func (l links) withToken(page, token string) string {
	return string(l) + page + "?token=" + url.QueryEscape(token)
}

func (l links) Invitation(token string) string        { return l.withToken(pageInvite, token) }
func (l links) EmailVerification(token string) string { return l.withToken(pageVerifyEmail, token) }
func (l links) PasswordReset(token string) string     { return l.withToken(pageResetPassword, token) }
func (l links) SignIn() string                        { return string(l) + pageSignIn }
func (l links) SSOCallback() string                   { return string(l) + pageSSOCallback }
