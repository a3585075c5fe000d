-- What each write changed for the decision engine, by revision, so that
-- other instances on the same database apply a write as the instance that
-- made it did, instead of reloading the whole organization. Only the latest
-- changes are kept (store.keptChanges); an instance further behind reloads.

-- +goose Up
CREATE TABLE access_changes (
    org_id   TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    revision BIGINT NOT NULL,
    change   TEXT NOT NULL, -- gatehouse.AccessChange as JSON
    CONSTRAINT access_changes_pkey PRIMARY KEY (org_id, revision)
);

-- +goose Down
DROP TABLE access_changes;
