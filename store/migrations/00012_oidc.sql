-- Gatehouse as an OpenID Connect provider (issue 15, docs/oidc.md):
-- applications (clients) of an organization, the provider's signing keys,
-- authorization requests until their code is exchanged, and the tokens it
-- issued. Everything the provider keeps is here, so that every instance
-- serving the database answers the same.

-- +goose Up
CREATE TABLE oidc_clients (
    id                        TEXT PRIMARY KEY,
    org_id                    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name                      TEXT NOT NULL,
    confidential              BOOLEAN NOT NULL,
    secret_hash               TEXT NOT NULL, -- SHA-256 of the secret; '' for public clients
    redirect_uris             TEXT NOT NULL, -- separated by spaces
    post_logout_redirect_uris TEXT NOT NULL,
    scopes                    TEXT NOT NULL,
    grant_types               TEXT NOT NULL,
    service_user_id           TEXT NOT NULL, -- the user its client-credentials tokens act as; '' for none
    created_at                TIMESTAMP NOT NULL,
    updated_at                TIMESTAMP NOT NULL,
    CONSTRAINT oidc_clients_org_id_key UNIQUE (org_id, id)
);

-- The private key is stored as is (PKCS #8): whoever reads the database
-- can sign tokens, as whoever reads it can read every password hash.
CREATE TABLE oidc_signing_keys (
    id          TEXT PRIMARY KEY,
    algorithm   TEXT NOT NULL,
    private_key TEXT NOT NULL, -- base64 of PKCS #8 DER
    created_at  TIMESTAMP NOT NULL,
    retire_at   TIMESTAMP
);

CREATE TABLE oidc_auth_requests (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    request    TEXT NOT NULL, -- the parsed request, JSON
    max_age    BIGINT NOT NULL, -- seconds a sign-in may be old; 0 with prompt=login; -1 any
    created_at TIMESTAMP NOT NULL,
    user_id    TEXT NOT NULL DEFAULT '',
    amr        TEXT NOT NULL DEFAULT '',
    auth_time  TIMESTAMP,
    done       BOOLEAN NOT NULL DEFAULT FALSE,
    code_hash  TEXT NOT NULL DEFAULT '',
    CONSTRAINT oidc_auth_requests_client_fkey FOREIGN KEY (org_id, client_id)
        REFERENCES oidc_clients (org_id, id) ON DELETE CASCADE
);
CREATE INDEX oidc_auth_requests_code_idx ON oidc_auth_requests (code_hash);

-- Access tokens (by their JWT id) and refresh tokens (by the SHA-256 of
-- the token). A user's tokens go with the user; a client's with the client.
CREATE TABLE oidc_tokens (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL, -- '' for client credentials
    refresh    BOOLEAN NOT NULL,
    token_hash TEXT NOT NULL, -- refresh tokens only, else ''
    family_id  TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    audience   TEXT NOT NULL,
    amr        TEXT NOT NULL,
    auth_time  TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP,
    revoked_at TIMESTAMP,
    CONSTRAINT oidc_tokens_client_fkey FOREIGN KEY (org_id, client_id)
        REFERENCES oidc_clients (org_id, id) ON DELETE CASCADE
);
CREATE INDEX oidc_tokens_hash_idx ON oidc_tokens (token_hash);
CREATE INDEX oidc_tokens_family_idx ON oidc_tokens (org_id, family_id);
CREATE INDEX oidc_tokens_user_idx ON oidc_tokens (org_id, user_id);

-- +goose Down
DROP TABLE oidc_tokens;
DROP TABLE oidc_auth_requests;
DROP TABLE oidc_signing_keys;
DROP TABLE oidc_clients;
