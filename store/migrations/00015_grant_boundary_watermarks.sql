-- How far each organization's starts and expiries of time-bound grants
-- have been audited (issue 17), so that a write and each instance's sweep
-- read only the boundaries passed since, not every boundary the
-- organization's history holds (store.PassedGrantBoundaries).

-- +goose Up
CREATE TABLE grant_boundary_watermarks (
    org_id          TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    -- Every boundary at or before this moment that a committed write had
    -- stored when it was reached has been audited.
    audited_through TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE grant_boundary_watermarks;
