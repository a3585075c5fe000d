package mailer

import (
	"context"
	"log/slog"
	"time"

	"github.com/gatehouse/gatehouse"
)

// Outbox sends the durable outbox: mail that writes queued in their own
// transactions. A message is marked sent only after the mailer accepted it,
// so a crash loses none; retries back off from 10 seconds to an hour.
type Outbox struct {
	Store  gatehouse.Store
	Mailer gatehouse.Mailer
	Logger *slog.Logger
	// Poll is how often the outbox is read when nobody kicks it.
	Poll time.Duration
	// Lease is how long a claimed message is kept from other senders: after
	// a sender crashed, its message goes out that long after its claim. It
	// must be longer than one send may take (SMTPTimeout), or a slow send
	// could be made twice.
	Lease time.Duration
	Now   func() time.Time

	kick chan struct{}
}

// DefaultClaim is how long a sender's claim on a message lasts by default.
const DefaultClaim = 15 * time.Second

// NewOutbox returns an outbox sender with the defaults.
func NewOutbox(store gatehouse.Store, mailer gatehouse.Mailer, logger *slog.Logger) *Outbox {
	return &Outbox{Store: store, Mailer: mailer, Logger: logger, Poll: 5 * time.Second, Lease: DefaultClaim,
		Now: func() time.Time { return time.Now().UTC() }, kick: make(chan struct{}, 1)}
}

// Kick asks the sender to look at the outbox now: a write just queued mail.
func (o *Outbox) Kick() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

// Run sends until ctx ends.
func (o *Outbox) Run(ctx context.Context) {
	tick := time.NewTicker(o.Poll)
	defer tick.Stop()
	for {
		if _, err := o.Drain(ctx); err != nil && ctx.Err() == nil {
			o.Logger.Error("outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-o.kick:
		}
	}
}

// Drain sends every message due now, once, and returns how many were sent.
func (o *Outbox) Drain(ctx context.Context) (sent int, err error) {
	for {
		var due []*gatehouse.OutboxMail
		now := o.Now()
		err := o.Store.View(ctx, func(tx gatehouse.Tx) error {
			var err error
			due, err = tx.PendingMail(now, 50)
			return err
		})
		if err != nil || len(due) == 0 {
			return sent, err
		}
		for _, m := range due {
			ok, err := o.send(ctx, m)
			if err != nil {
				return sent, err
			}
			if ok {
				sent++
			}
		}
		if ctx.Err() != nil {
			return sent, ctx.Err()
		}
	}
}

// send claims one message, delivers it and records the outcome.
func (o *Outbox) send(ctx context.Context, m *gatehouse.OutboxMail) (bool, error) {
	now := o.Now()
	var claimed bool
	err := o.Store.Update(ctx, func(tx gatehouse.Tx) error {
		var err error
		claimed, err = tx.ClaimMail(m.ID, now, now.Add(o.Lease))
		return err
	})
	if err != nil || !claimed {
		return false, err
	}
	sendErr := o.Mailer.Send(ctx, m.Message)
	done := o.Now()
	err = o.Store.Update(ctx, func(tx gatehouse.Tx) error {
		if sendErr == nil {
			return tx.MarkMailSent(m.ID, done)
		}
		attempts := m.Attempts + 1
		return tx.MarkMailFailed(m.ID, attempts, done.Add(backoff(attempts)), sendErr.Error())
	})
	if sendErr != nil {
		o.Logger.Warn("mail not sent; will retry", "id", m.ID, "to", m.Message.To, "attempt", m.Attempts+1, "err", sendErr)
	}
	return sendErr == nil, err
}

// backoff is the wait before attempt n+1: 10 s, 20 s, 40 s, ... up to an hour.
func backoff(attempts int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
