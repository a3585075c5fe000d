-- Sorting the user list by name or email, with keyset paging (the sort key
-- and the id of the last row seen), stays an index walk at 100,000 users.

-- +goose Up
CREATE INDEX users_name_sort_idx ON users (org_id, (lower(last_name) || ' ' || lower(first_name)), id);

-- +goose Down
DROP INDEX users_name_sort_idx;
