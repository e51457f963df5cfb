-- Tokens moved in from another system keep where they came from (the import's source), shown
-- in lists and the dashboard and used by the insights to nudge their owners to rotate them.
ALTER TABLE tokens ADD COLUMN imported_from TEXT;
