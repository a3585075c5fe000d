package service

import (
	"net/netip"
	"time"

	"github.com/gatehouse/gatehouse"
)

// Throttle is how sign-ins and password-reset requests are throttled; a
// zero field takes its default (DefaultThrottle).
//
// Failed sign-ins are kept in the database, so every instance counts the
// same ones. They count per pair of account (the normalized email, whether
// or not a user has it) and client address, and per client address across
// accounts. A pair's failures slow that pair down and then block it; they
// never hold back the same account from another address. An address is
// blocked only after many failures across accounts, as credential stuffing
// makes.
//
// Password-reset requests within ResetWindow, for one email from one client
// address and from one address, are refused (429) past their limits;
// requests for unknown emails count the same way. One email is not limited
// across addresses — anyone could then block a victim's reset from the
// victim's own address — but at most ResetMailed links are mailed to it:
// the latest one mailed works, as each replaces the one before.
type Throttle struct {
	// SignInWindow is how long a failed sign-in counts.
	SignInWindow time.Duration
	// SignInFreeFailures failures of a pair within the window cost nothing.
	SignInFreeFailures int
	// SignInFirstDelay is how long after its latest failure a pair with
	// SignInFreeFailures failures waits before its next attempt; the wait
	// doubles with each further failure (1 s, 2 s, 4 s, ... 64 s).
	SignInFirstDelay time.Duration
	// SignInPairLimit failures of a pair within the window block the pair
	// until the oldest of them leaves the window.
	SignInPairLimit int
	// SignInAddressLimit failures from one address within the window, on
	// whatever accounts, block the address until the oldest of them leaves
	// the window.
	SignInAddressLimit int
	// CodeUserLimit wrong second-factor codes of one user within
	// SignInWindow, from whatever addresses, block the user's codes until
	// the oldest leaves the window: at 10 per 15 minutes, guessing one of
	// the three 6-digit codes a TOTP accepts at a time takes about 300
	// days on average. A user's pair with an address waits as a pair of
	// failed sign-ins does (SignInFreeFailures, SignInFirstDelay).
	CodeUserLimit int

	ResetWindow     time.Duration
	ResetPerPair    int
	ResetPerAddress int
	ResetMailed     int
}

// DefaultThrottle returns the throttle that docs/accounts.md describes.
func DefaultThrottle() Throttle {
	return Throttle{
		SignInWindow: 15 * time.Minute, SignInFreeFailures: 3, SignInFirstDelay: time.Second,
		SignInPairLimit: 10, SignInAddressLimit: 50, CodeUserLimit: 10,
		ResetWindow: time.Hour, ResetPerPair: 5, ResetPerAddress: 20, ResetMailed: 5,
	}
}

// withDefaults fills the zero fields from DefaultThrottle.
func (t Throttle) withDefaults() Throttle {
	d := DefaultThrottle()
	fill := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	fillD := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	fillD(&t.SignInWindow, d.SignInWindow)
	fill(&t.SignInFreeFailures, d.SignInFreeFailures)
	fillD(&t.SignInFirstDelay, d.SignInFirstDelay)
	fill(&t.SignInPairLimit, d.SignInPairLimit)
	fill(&t.SignInAddressLimit, d.SignInAddressLimit)
	fill(&t.CodeUserLimit, d.CodeUserLimit)
	fillD(&t.ResetWindow, d.ResetWindow)
	fill(&t.ResetPerPair, d.ResetPerPair)
	fill(&t.ResetPerAddress, d.ResetPerAddress)
	fill(&t.ResetMailed, d.ResetMailed)
	return t
}

// throttleAccount is the key of an account in the throttles: its normalized
// email, known or not; never empty, since an empty key would match any.
func throttleAccount(email string) string {
	if e := gatehouse.NormalizeEmail(email); e != "" {
		return e
	}
	return "(empty)"
}

// throttleAddress is the key of a client address in the throttles: the
// host without its port; an IPv6 address counts as its /64 network, which
// one client usually holds whole.
func throttleAddress(client string) string {
	host := clientHost(client)
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.Unmap()
		if a.Is6() {
			p, _ := a.WithZone("").Prefix(64) // a valid IPv6 address always has a /64
			return p.String()
		}
		return a.String()
	}
	if host == "" {
		return "(unknown)"
	}
	return host
}

// waitForLimit returns how long until fewer than limit of the events (the
// newest first) are within window of now: zero when fewer are already.
func waitForLimit(events []time.Time, limit int, window time.Duration, now time.Time) time.Duration {
	if len(events) < limit {
		return 0
	}
	return max(events[limit-1].Add(window).Sub(now), 0)
}

// signInPairWait returns how long a pair whose failures within the window
// are failures (newest first) waits before its next attempt.
func (t Throttle) signInPairWait(failures []time.Time, now time.Time) time.Duration {
	n := len(failures)
	switch {
	case n >= t.SignInPairLimit:
		return waitForLimit(failures, t.SignInPairLimit, t.SignInWindow, now)
	case n >= t.SignInFreeFailures:
		delay := t.SignInFirstDelay << (n - t.SignInFreeFailures)
		return max(failures[0].Add(delay).Sub(now), 0)
	}
	return 0
}

// tooMany is the answer of a throttled request.
func tooMany(wait time.Duration, message string) error {
	return &gatehouse.Error{Code: gatehouse.ETOOMANY, RetryAfter: wait, Message: message}
}

// admitSignIn decides, in tx, whether an account may try a password from an
// address now, and when it may, counts the attempt as a failure until the
// password proves right (SignIn then forgets it). Counting before checking
// keeps parallel guesses within the limits.
func (t Throttle) admitSignIn(tx gatehouse.Tx, account, address string, now time.Time) error {
	if err := tx.LockThrottle(gatehouse.ThrottleSignInFailure, account); err != nil {
		return err
	}
	since := now.Add(-t.SignInWindow)
	pair, err := tx.ThrottleEvents(gatehouse.ThrottleFilter{Kind: gatehouse.ThrottleSignInFailure,
		Account: account, Address: address, Since: since, Limit: t.SignInPairLimit})
	if err != nil {
		return err
	}
	wait := t.signInPairWait(pair, now)
	if wait == 0 {
		fromAddress, err := tx.ThrottleEvents(gatehouse.ThrottleFilter{Kind: gatehouse.ThrottleSignInFailure,
			Address: address, Since: since, Limit: t.SignInAddressLimit})
		if err != nil {
			return err
		}
		wait = waitForLimit(fromAddress, t.SignInAddressLimit, t.SignInWindow, now)
	}
	if wait > 0 {
		return tooMany(wait, "too many failed sign-ins; try again later or reset your password")
	}
	return tx.AddThrottleEvent(gatehouse.ThrottleEvent{Kind: gatehouse.ThrottleSignInFailure,
		Account: account, Address: address, At: now}, since)
}

// admitCode decides, in tx, whether a user may try a second-factor code
// (or, to remove a factor, a password) from an address now, and when they
// may, counts the attempt as a failure until it proves right (the caller
// then forgets the pair's failures). The key is the user's id: by then the
// password has named the user.
func (t Throttle) admitCode(tx gatehouse.Tx, userID, address string, now time.Time) error {
	if err := tx.LockThrottle(gatehouse.ThrottleCodeFailure, userID); err != nil {
		return err
	}
	since := now.Add(-t.SignInWindow)
	pair, err := tx.ThrottleEvents(gatehouse.ThrottleFilter{Kind: gatehouse.ThrottleCodeFailure,
		Account: userID, Address: address, Since: since, Limit: t.SignInPairLimit})
	if err != nil {
		return err
	}
	wait := t.signInPairWait(pair, now)
	if wait == 0 {
		anywhere, err := tx.ThrottleEvents(gatehouse.ThrottleFilter{Kind: gatehouse.ThrottleCodeFailure,
			Account: userID, Since: since, Limit: t.CodeUserLimit})
		if err != nil {
			return err
		}
		wait = waitForLimit(anywhere, t.CodeUserLimit, t.SignInWindow, now)
	}
	if wait > 0 {
		return tooMany(wait, "too many wrong codes; try again later")
	}
	return tx.AddThrottleEvent(gatehouse.ThrottleEvent{Kind: gatehouse.ThrottleCodeFailure,
		Account: userID, Address: address, At: now}, since)
}

// admitResetRequest decides, in tx, whether a password reset may be asked
// for an account from an address now, and counts the request when it may.
func (t Throttle) admitResetRequest(tx gatehouse.Tx, account, address string, now time.Time) error {
	since := now.Add(-t.ResetWindow)
	for _, f := range []struct {
		account, address string
		limit            int
	}{{account, address, t.ResetPerPair}, {"", address, t.ResetPerAddress}} {
		recent, err := tx.ThrottleEvents(gatehouse.ThrottleFilter{Kind: gatehouse.ThrottleResetRequest,
			Account: f.account, Address: f.address, Since: since, Limit: f.limit})
		if err != nil {
			return err
		}
		if wait := waitForLimit(recent, f.limit, t.ResetWindow, now); wait > 0 {
			return tooMany(wait, "too many password-reset requests; try again later")
		}
	}
	return tx.AddThrottleEvent(gatehouse.ThrottleEvent{Kind: gatehouse.ThrottleResetRequest,
		Account: account, Address: address, At: now}, since)
}

// forgetSignInFailures clears an account's failed sign-ins from every
// address, in the transaction of a completed password reset or invitation
// acceptance: whoever did that holds the mailbox.
func forgetSignInFailures(tx gatehouse.Tx, email string) error {
	return tx.DeleteThrottleEvents(gatehouse.ThrottleSignInFailure, throttleAccount(email), "")
}

// admitResetMail decides, in tx, whether one more reset link may be mailed
// to an account, and counts it when it may.
func (t Throttle) admitResetMail(tx gatehouse.Tx, account string, now time.Time) (bool, error) {
	since := now.Add(-t.ResetWindow)
	recent, err := tx.ThrottleEvents(gatehouse.ThrottleFilter{Kind: gatehouse.ThrottleResetMailed,
		Account: account, Since: since, Limit: t.ResetMailed})
	if err != nil || waitForLimit(recent, t.ResetMailed, t.ResetWindow, now) > 0 {
		return false, err
	}
	return true, tx.AddThrottleEvent(gatehouse.ThrottleEvent{Kind: gatehouse.ThrottleResetMailed,
		Account: account, At: now}, since)
}
