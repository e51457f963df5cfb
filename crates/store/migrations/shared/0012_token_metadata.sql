-- A token's own metadata (a JSON object, as an API user's), returned on VALID answers: what a
-- platform moving from another system kept per key (Unkey's `meta`).
ALTER TABLE tokens ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
