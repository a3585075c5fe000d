-- How each session's user proved who they are, as RFC 8176 authentication
-- method references separated by spaces ("pwd", "otp", "hwk", "mfa"…): the
-- OpenID provider states them in the amr claim, and an organization policy
-- requiring multi-factor authentication reads them. Sessions made before
-- this migration were all made by password.

-- +goose Up
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';

-- +goose Down
ALTER TABLE sessions DROP COLUMN amr;
