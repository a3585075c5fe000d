-- The audit log: one append-only row per write, in the write's transaction.

-- +goose Up
CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    actor_type  TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    api_key_id  TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    client      TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    changes     TEXT NOT NULL,
    CONSTRAINT audit_events_org_fkey FOREIGN KEY (org_id) REFERENCES organizations (id)
);
CREATE INDEX audit_events_org_idx ON audit_events (org_id, id);
CREATE INDEX audit_events_actor_idx ON audit_events (org_id, actor_id, id);
CREATE INDEX audit_events_target_idx ON audit_events (org_id, target_id, id);
CREATE INDEX audit_events_action_idx ON audit_events (org_id, action, id);

-- +goose Down
DROP TABLE audit_events;
