-- Account security (issue 12): sign-in and password-reset throttling shared
-- by every instance, password-reset requests queued for a background worker,
-- and an email change that waits for its verification.

-- +goose Up

-- One row per throttled event: a failed sign-in or a password-reset request,
-- for an account (the normalized email, known or not) from a client address.
-- Rows older than the longest window are deleted as new ones are written.
CREATE TABLE throttle_events (
    kind    TEXT NOT NULL,
    account TEXT NOT NULL,
    address TEXT NOT NULL,
    at      TIMESTAMP NOT NULL
);
CREATE INDEX throttle_events_account_idx ON throttle_events (kind, account, address, at);
CREATE INDEX throttle_events_address_idx ON throttle_events (kind, address, at);
CREATE INDEX throttle_events_at_idx ON throttle_events (at);

-- Password-reset requests waiting for the worker that looks the email up and
-- queues the mail; a request is deleted once handled. A worker claims one
-- until claimed_until, so that instances do not handle it twice at once.
CREATE TABLE reset_requests (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    client        TEXT NOT NULL, -- for the audit log
    requested_at  TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP NOT NULL
);
CREATE INDEX reset_requests_due_idx ON reset_requests (claimed_until);

-- A new email of an active or inactive user waits here until its
-- verification link is followed; '' when none waits.
ALTER TABLE users ADD COLUMN pending_email TEXT NOT NULL DEFAULT '';
-- Who asked for the pending email ('' for the system): confirming it needs
-- them still to cover the user's access, as when they asked.
ALTER TABLE users ADD COLUMN pending_email_by TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN pending_email_by;
ALTER TABLE users DROP COLUMN pending_email;
DROP TABLE reset_requests;
DROP TABLE throttle_events;
