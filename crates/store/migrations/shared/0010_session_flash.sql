-- A secret waiting to be shown once on the page a dashboard form redirects to
-- (Post/Redirect/Get). It is sealed with a key derived from the session's own secret, which is
-- never stored, so this column is unreadable without the browser's cookie; it is cleared when
-- shown.
ALTER TABLE sessions ADD COLUMN flash TEXT;
