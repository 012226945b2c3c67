-- Tokens expire: a token without an end date is a token that is never retired.
ALTER TABLE tokens ADD COLUMN expires_at timestamptz;
