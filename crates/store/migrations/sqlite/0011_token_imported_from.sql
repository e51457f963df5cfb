-- Tokens moved in from another system keep where they came from (the import's source), shown
-- in lists and the dashboard; the insights nudge their owners to rotate them some days after.
ALTER TABLE tokens ADD COLUMN imported_from TEXT;
-- When it was imported (Unix milliseconds): its created_at is the old system's.
ALTER TABLE tokens ADD COLUMN imported_at INTEGER;
