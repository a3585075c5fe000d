-- The first schema. It runs unchanged on SQLite and PostgreSQL: TEXT ids,
-- BIGINT, BOOLEAN and TIMESTAMP only, no generated keys.
--
-- Every table below organizations carries org_id, and every link between two
-- rows is a composite foreign key on (org_id, id), so the database itself
-- refuses a row that joins two organizations. Link tables lead their keys
-- with org_id because every query the store runs is scoped by organization.

-- +goose Up
CREATE TABLE organizations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    template   TEXT NOT NULL,
    catalog    TEXT NOT NULL, -- the catalog file, as given at creation
    revision   BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    first_name     TEXT NOT NULL,
    last_name      TEXT NOT NULL,
    email          TEXT NOT NULL,
    email_lower    TEXT NOT NULL,
    phone          TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    full_access    BOOLEAN NOT NULL DEFAULT FALSE,
    licence        TEXT NOT NULL DEFAULT '',
    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash  TEXT,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    CONSTRAINT users_status_check CHECK (status IN ('invited', 'active', 'inactive')),
    CONSTRAINT users_org_email_key UNIQUE (org_id, email_lower),
    CONSTRAINT users_org_id_key UNIQUE (org_id, id)
);
-- The user list filtered by status, and the full-access count.
CREATE INDEX users_org_status_idx ON users (org_id, status, id);
CREATE INDEX users_org_full_access_idx ON users (org_id, full_access, status);

CREATE TABLE groups (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_lower  TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CONSTRAINT groups_org_name_key UNIQUE (org_id, name_lower),
    CONSTRAINT groups_org_id_key UNIQUE (org_id, id)
);

CREATE TABLE group_permissions (
    org_id     TEXT NOT NULL,
    group_id   TEXT NOT NULL,
    permission TEXT NOT NULL,
    CONSTRAINT group_permissions_pkey PRIMARY KEY (org_id, group_id, permission),
    CONSTRAINT group_permissions_group_fkey FOREIGN KEY (org_id, group_id)
        REFERENCES groups (org_id, id) ON DELETE CASCADE
);

CREATE TABLE group_members (
    org_id   TEXT NOT NULL,
    group_id TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    CONSTRAINT group_members_pkey PRIMARY KEY (org_id, user_id, group_id),
    CONSTRAINT group_members_user_fkey FOREIGN KEY (org_id, user_id)
        REFERENCES users (org_id, id) ON DELETE CASCADE,
    CONSTRAINT group_members_group_fkey FOREIGN KEY (org_id, group_id)
        REFERENCES groups (org_id, id) ON DELETE CASCADE
);
-- A group's members: the user list filtered by group, and group deletes.
CREATE INDEX group_members_group_idx ON group_members (org_id, group_id, user_id);

CREATE TABLE user_permissions (
    org_id     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    permission TEXT NOT NULL,
    CONSTRAINT user_permissions_pkey PRIMARY KEY (org_id, user_id, permission),
    CONSTRAINT user_permissions_user_fkey FOREIGN KEY (org_id, user_id)
        REFERENCES users (org_id, id) ON DELETE CASCADE
);

CREATE TABLE facilities (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    external_id TEXT, -- NULL when the host platform gave none
    archived    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    CONSTRAINT facilities_org_id_key UNIQUE (org_id, id),
    CONSTRAINT facilities_org_external_id_key UNIQUE (org_id, external_id)
);
CREATE INDEX facilities_org_archived_idx ON facilities (org_id, archived, id);

CREATE TABLE facility_assignments (
    org_id      TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    facility_id TEXT NOT NULL,
    CONSTRAINT facility_assignments_pkey PRIMARY KEY (org_id, user_id, facility_id),
    CONSTRAINT facility_assignments_user_fkey FOREIGN KEY (org_id, user_id)
        REFERENCES users (org_id, id) ON DELETE CASCADE,
    CONSTRAINT facility_assignments_facility_fkey FOREIGN KEY (org_id, facility_id)
        REFERENCES facilities (org_id, id) ON DELETE CASCADE
);
-- A facility's users: the user list filtered by facility or scope, and
-- facility deletes.
CREATE INDEX facility_assignments_facility_idx ON facility_assignments (org_id, facility_id, user_id);

CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    revoked_at  TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    CONSTRAINT invitations_token_hash_key UNIQUE (token_hash),
    CONSTRAINT invitations_user_fkey FOREIGN KEY (org_id, user_id)
        REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX invitations_user_idx ON invitations (org_id, user_id);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    CONSTRAINT api_keys_secret_hash_key UNIQUE (secret_hash),
    CONSTRAINT api_keys_user_fkey FOREIGN KEY (org_id, user_id)
        REFERENCES users (org_id, id) ON DELETE CASCADE
);
CREATE INDEX api_keys_user_idx ON api_keys (org_id, user_id, id);

-- +goose Down
DROP TABLE api_keys;
DROP TABLE invitations;
DROP TABLE facility_assignments;
DROP TABLE facilities;
DROP TABLE user_permissions;
DROP TABLE group_members;
DROP TABLE group_permissions;
DROP TABLE groups;
DROP TABLE users;
DROP TABLE organizations;
