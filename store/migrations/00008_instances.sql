-- The instances serving one PostgreSQL database, each with a short lease it
-- renews while it hears every write (store.Presence), and, for each
-- organization an instance holds in memory, the newest revision it has
-- applied: a write is acknowledged once every other instance holding a
-- live lease has applied it (docs/architecture.md). SQLite has one
-- instance: the tables stay empty there.

-- +goose Up
CREATE TABLE instances (
    id          TEXT PRIMARY KEY,
    lease_until TIMESTAMPTZ NOT NULL
);

CREATE TABLE instance_acks (
    instance_id TEXT NOT NULL,
    org_id      TEXT NOT NULL,
    revision    BIGINT NOT NULL,
    CONSTRAINT instance_acks_pkey PRIMARY KEY (org_id, instance_id)
);

-- +goose Down
DROP TABLE instance_acks;
DROP TABLE instances;
