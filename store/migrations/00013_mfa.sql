-- Multi-factor authentication (issue 15): the factors users enrol (TOTP apps
-- and passkeys), their single-use recovery codes, the short-lived steps
-- between a right password and a session (kept here, not in memory, so
-- that any instance finishes what another began), and each organization's
-- policy.

-- +goose Up

-- A TOTP factor keeps its key in secret and, in counter, the last time step
-- accepted (a code is never accepted twice); a passkey keeps the WebAuthn
-- credential (JSON) in secret, its id in credential_id and its signature
-- counter in counter.
CREATE TABLE mfa_factors (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    secret        TEXT NOT NULL,
    credential_id TEXT NOT NULL,
    counter       BIGINT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    last_used_at  TIMESTAMP,
    CONSTRAINT mfa_factors_kind_check CHECK (kind IN ('totp', 'webauthn')),
    CONSTRAINT mfa_factors_user_fkey FOREIGN KEY (org_id, user_id)
        REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX mfa_factors_user_idx ON mfa_factors (org_id, user_id, id);

-- Only a hash of each recovery code is stored; a used code keeps its row.
CREATE TABLE mfa_recovery_codes (
    org_id    TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMP,
    CONSTRAINT mfa_recovery_codes_pkey PRIMARY KEY (org_id, user_id, code_hash),
    CONSTRAINT mfa_recovery_codes_user_fkey FOREIGN KEY (org_id, user_id)
        REFERENCES users (org_id, id) ON DELETE CASCADE
);

-- A pending second step of sign-in, a TOTP enrolment waiting for its first
-- code, or a passkey ceremony; single use, short-lived, only the token's
-- hash stored.
CREATE TABLE mfa_challenges (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    data        TEXT NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    CONSTRAINT mfa_challenges_token_hash_key UNIQUE (token_hash),
    CONSTRAINT mfa_challenges_purpose_check CHECK (purpose IN ('sign_in', 'enrol_totp', 'enrol_webauthn')),
    CONSTRAINT mfa_challenges_user_fkey FOREIGN KEY (org_id, user_id)
        REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX mfa_challenges_expires_idx ON mfa_challenges (expires_at);

-- An organization without a row has the policy 'off'.
CREATE TABLE mfa_policies (
    org_id TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    policy TEXT NOT NULL,
    CONSTRAINT mfa_policies_policy_check CHECK (policy IN ('off', 'admins', 'all'))
);

-- +goose Down
DROP TABLE mfa_policies;
DROP TABLE mfa_challenges;
DROP TABLE mfa_recovery_codes;
DROP TABLE mfa_factors;
