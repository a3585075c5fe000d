-- Site roles and time-bound grants (issue 17). Existing rows keep their
-- meaning: a membership, direct permission or assignment without a row in
-- grant_bounds is in force at all times, so every organization answers
-- exactly as before this migration.

-- +goose Up
-- A group held at one facility only.
CREATE TABLE site_roles (
    org_id      TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    group_id    TEXT NOT NULL,
    facility_id TEXT NOT NULL,
    starts_at   TIMESTAMP, -- NULL: in force from the start
    expires_at  TIMESTAMP, -- NULL: never expires
    CONSTRAINT site_roles_pkey PRIMARY KEY (org_id, user_id, facility_id, group_id),
    CONSTRAINT site_roles_user_fkey FOREIGN KEY (org_id, user_id)
        REFERENCES users (org_id, id) ON DELETE CASCADE,
    CONSTRAINT site_roles_group_fkey FOREIGN KEY (org_id, group_id)
        REFERENCES groups (org_id, id) ON DELETE CASCADE,
    CONSTRAINT site_roles_facility_fkey FOREIGN KEY (org_id, facility_id)
        REFERENCES facilities (org_id, id) ON DELETE CASCADE
);
-- "Holds group G at facility F", and group and facility deletes.
CREATE INDEX site_roles_group_idx ON site_roles (org_id, group_id, facility_id, user_id);
CREATE INDEX site_roles_facility_idx ON site_roles (org_id, facility_id, user_id);

-- The bounds of a user's organization-wide grants (group memberships,
-- direct permissions, facility assignments), by grant id
-- ("group:grp_…", "permission:…", "facility:fac_…"). A row whose grant
-- the user no longer holds bounds nothing; the next write of the user
-- drops it.
CREATE TABLE grant_bounds (
    org_id     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    grant_id   TEXT NOT NULL,
    starts_at  TIMESTAMP,
    expires_at TIMESTAMP,
    CONSTRAINT grant_bounds_pkey PRIMARY KEY (org_id, user_id, grant_id),
    CONSTRAINT grant_bounds_user_fkey FOREIGN KEY (org_id, user_id)
        REFERENCES users (org_id, id) ON DELETE CASCADE
);

-- The boundaries that have passed, read by every write and by each
-- instance's sweep (store.PassedGrantBoundaries): only the dated rows,
-- so that a write does not scan every site role of the organization.
CREATE INDEX site_roles_starts_idx ON site_roles (org_id, starts_at) WHERE starts_at IS NOT NULL;
CREATE INDEX site_roles_expires_idx ON site_roles (org_id, expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX grant_bounds_starts_idx ON grant_bounds (org_id, starts_at) WHERE starts_at IS NOT NULL;
CREATE INDEX grant_bounds_expires_idx ON grant_bounds (org_id, expires_at) WHERE expires_at IS NOT NULL;

-- The start and expiry moments already audited: one row per (user, grant,
-- boundary), so that whichever instance notices a boundary first audits it
-- and the others' inserts conflict and audit nothing.
CREATE TABLE grant_boundaries_seen (
    org_id   TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL,
    grant_id TEXT NOT NULL,
    boundary TEXT NOT NULL, -- 'start' or 'expiry'
    at       TIMESTAMP NOT NULL,
    CONSTRAINT grant_boundaries_seen_pkey PRIMARY KEY (org_id, user_id, grant_id, boundary, at)
);

-- +goose Down
DROP TABLE grant_boundaries_seen;
DROP TABLE grant_bounds;
DROP TABLE site_roles;
