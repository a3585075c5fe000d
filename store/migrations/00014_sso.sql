-- Single sign-on with an organization's own OpenID Connect provider (issue
-- 15): the connections, the email domains each serves, the groups given to
-- the users a connection creates, and the sign-ins sent to a provider and
-- not yet back.

-- +goose Up
CREATE TABLE sso_connections (
    id                        TEXT PRIMARY KEY,
    org_id                    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name                      TEXT NOT NULL,
    issuer                    TEXT NOT NULL,
    client_id                 TEXT NOT NULL,
    -- Stored as given: Gatehouse sends it to the provider (docs/sso.md).
    client_secret             TEXT NOT NULL,
    scopes                    TEXT NOT NULL, -- separated by spaces
    create_users              BOOLEAN NOT NULL DEFAULT FALSE,
    password_sign_in_disabled BOOLEAN NOT NULL DEFAULT FALSE,
    updated_by                TEXT NOT NULL DEFAULT '',
    created_at                TIMESTAMP NOT NULL,
    updated_at                TIMESTAMP NOT NULL,
    CONSTRAINT sso_connections_org_id_key UNIQUE (org_id, id)
);

-- A domain is served by at most one connection of an organization; other
-- organizations may claim it too (docs/sso.md says which one a sign-in takes).
CREATE TABLE sso_domains (
    org_id        TEXT NOT NULL,
    domain        TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    CONSTRAINT sso_domains_pkey PRIMARY KEY (org_id, domain),
    CONSTRAINT sso_domains_connection_fkey FOREIGN KEY (org_id, connection_id)
        REFERENCES sso_connections (org_id, id) ON DELETE CASCADE
);
CREATE INDEX sso_domains_domain_idx ON sso_domains (domain);

CREATE TABLE sso_connection_groups (
    org_id        TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    group_id      TEXT NOT NULL,
    CONSTRAINT sso_connection_groups_pkey PRIMARY KEY (org_id, connection_id, group_id),
    CONSTRAINT sso_connection_groups_connection_fkey FOREIGN KEY (org_id, connection_id)
        REFERENCES sso_connections (org_id, id) ON DELETE CASCADE,
    CONSTRAINT sso_connection_groups_group_fkey FOREIGN KEY (org_id, group_id)
        REFERENCES groups (org_id, id) ON DELETE CASCADE
);

-- One row per sign-in sent to a provider, deleted when the browser comes
-- back (single use) or, once expired, when another is stored.
CREATE TABLE sso_states (
    state_hash    TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    next          TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    CONSTRAINT sso_states_connection_fkey FOREIGN KEY (org_id, connection_id)
        REFERENCES sso_connections (org_id, id) ON DELETE CASCADE
);
CREATE INDEX sso_states_expires_idx ON sso_states (expires_at);

-- +goose Down
DROP TABLE sso_states;
DROP TABLE sso_connection_groups;
DROP TABLE sso_domains;
DROP TABLE sso_connections;
