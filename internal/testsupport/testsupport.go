// Package testsupport holds what the test suites of several packages share:
// a service configured for tests (cheap password hashing, links to a web UI)
// and reading the mail that Gatehouse writes as .eml files. Like
// store/storetest, it is imported by tests only.
package testsupport

import (
	"bytes"
	"encoding/base64"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/ui"
)

// Passwords is argon2id at the lowest cost it takes (one pass over 64 KiB):
// microseconds a hash instead of the production ~100 ms. Hashes it makes
// are real argon2id hashes, checked the same way.
func Passwords() service.Argon2id {
	return service.Argon2id{Time: 1, Memory: 64, Threads: 1, KeyLen: 32}
}

// ServiceConfig is the configuration of a test's service: cheap password
// hashing, mailed links to the web UI at baseURL, and logger (nil
// discards).
func ServiceConfig(baseURL string, logger *slog.Logger) service.Config {
	return service.Config{Passwords: Passwords(), Links: ui.Links(baseURL), Logger: logger}
}

// Mails returns the decoded text (every text part, joined) of the .eml
// files in dir addressed to email, newest first.
func Mails(tb testing.TB, dir, email string) []string {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	sort.Sort(sort.Reverse(sort.StringSlice(files))) // names start with the time
	var out []string
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		to, err := mail.ParseAddress(msg.Header.Get("To"))
		if err != nil || !strings.EqualFold(to.Address, email) {
			continue
		}
		out = append(out, MIMEText(tb, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body))
	}
	return out
}

// LinkToken returns the token of the first link pageURL?token=... in
// texts, unescaped, and whether there was one.
func LinkToken(tb testing.TB, texts []string, pageURL string) (string, bool) {
	tb.Helper()
	link := regexp.MustCompile(regexp.QuoteMeta(pageURL) + `\?token=([A-Za-z0-9_.~%-]+)`)
	for _, text := range texts {
		if m := link.FindStringSubmatch(text); m != nil {
			token, err := url.QueryUnescape(m[1])
			if err != nil {
				tb.Fatal(err)
			}
			return token, true
		}
	}
	return "", false
}

// MIMEText decodes a MIME entity into its text, walking multiparts.
func MIMEText(tb testing.TB, contentType, encoding string, body io.Reader) string {
	tb.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		tb.Fatalf("content type %q: %v", contentType, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		var sb strings.Builder
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextRawPart()
			if err == io.EOF {
				return sb.String()
			}
			if err != nil {
				tb.Fatal(err)
			}
			sb.WriteString(MIMEText(tb, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p) + "\n")
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		data, err := io.ReadAll(body)
		if err != nil {
			tb.Fatal(err)
		}
		body = base64.NewDecoder(base64.StdEncoding, strings.NewReader(strings.NewReplacer("\r", "", "\n", "").Replace(string(data))))
	}
	data, err := io.ReadAll(body)
	if err != nil {
		tb.Fatal(err)
	}
	return string(data)
}
