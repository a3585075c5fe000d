-- Single-use tokens for email verification and password reset, and the
-- durable mail outbox: mail is queued in the same transaction as the write
-- that causes it and sent by a background worker.

-- +goose Up
CREATE TABLE user_tokens (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    email       TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP,
    revoked_at  TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    CONSTRAINT user_tokens_token_hash_key UNIQUE (token_hash),
    CONSTRAINT user_tokens_purpose_check CHECK (purpose IN ('email_verification', 'password_reset')),
    CONSTRAINT user_tokens_user_fkey FOREIGN KEY (org_id, user_id)
        REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX user_tokens_user_idx ON user_tokens (org_id, user_id, purpose);

-- Mail outlives the user it was about: no foreign keys.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error      TEXT NOT NULL,
    sent_at         TIMESTAMP,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX outbox_pending_idx ON outbox (sent_at, next_attempt_at);

-- +goose Down
DROP TABLE outbox;
DROP TABLE user_tokens;
