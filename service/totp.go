package service

import (
	"bytes"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse"
)

// TOTP as every authenticator app reads it (RFC 6238): 30-second steps,
// 6 digits, HMAC-SHA1. A code is accepted for its step and the steps
// either side (clocks drift), and only for a step after the last one the
// factor accepted: a code seen once, by anyone, is spent.
const (
	totpPeriod = 30
	totpSkew   = 1
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPEnrolment is a TOTP secret waiting for its first code: what the
// account page shows.
type TOTPEnrolment struct {
	// Token names the enrolment when its first code comes back.
	Token string
	// Secret is the key in base32, for typing into an app by hand.
	Secret string
	// URL is the otpauth:// URL the QR code holds.
	URL string
	// QRCode is the URL as a QR code, a PNG data: URL for an <img>.
	QRCode    string
	ExpiresAt time.Time
}

// totpKey is the key of the user, named after the organization: a new
// one, or the one with secret (base32) when it is given, to show an
// enrolment again.
func totpKey(org *gatehouse.Organization, u *gatehouse.User, secret string) (*otp.Key, error) {
	opts := totp.GenerateOpts{Issuer: "Gatehouse (" + org.Name + ")", AccountName: u.Email,
		Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	if secret != "" {
		raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
		if err != nil {
			return nil, err
		}
		opts.Secret = raw
	}
	return totp.Generate(opts)
}

// qrDataURL draws the key's URL as a PNG data: URL.
func qrDataURL(key *otp.Key) (string, error) {
	img, err := key.Image(240, 240)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// totpStep returns the time step whose code is code, among the steps
// around now that come after the factor's last accepted step.
func totpStep(secret, code string, after int64, now time.Time) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false
	}
	current := now.Unix() / totpPeriod
	for step := current - totpSkew; step <= current+totpSkew; step++ {
		if step <= after {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}
