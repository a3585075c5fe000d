-- Sessions of the web UI and of API clients that sign in with a password.
-- Only the token's hash is stored; a session ends at expires_at, after
-- idle_expires_at without use, or when deleted (sign-out, deactivation).

-- +goose Up
CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    token_hash      TEXT NOT NULL,
    client          TEXT NOT NULL,
    user_agent      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    last_seen_at    TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash),
    CONSTRAINT sessions_user_fkey FOREIGN KEY (org_id, user_id)
        REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user_idx ON sessions (org_id, user_id, id);

-- +goose Down
DROP TABLE sessions;
