-- Licence seats: how many active or invited users each licence tier of an
-- organization may have (no row: unlimited), counted inside every admin
-- write under the organization's lock (service/seats.go). Users also gain
-- the time of their last sign-in, for the user list.

-- +goose Up
CREATE TABLE licence_seats (
    org_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    licence TEXT NOT NULL,
    seats   INTEGER NOT NULL,
    CONSTRAINT licence_seats_pkey PRIMARY KEY (org_id, licence),
    CONSTRAINT licence_seats_seats_check CHECK (seats >= 0)
);

ALTER TABLE users ADD COLUMN last_sign_in_at TIMESTAMP;

-- Counting a tier's seats reads only this index.
CREATE INDEX users_licence_seats_idx ON users (org_id, licence, status);

-- +goose Down
DROP INDEX users_licence_seats_idx;
ALTER TABLE users DROP COLUMN last_sign_in_at;
DROP TABLE licence_seats;
