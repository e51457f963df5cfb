-- The platform's own API URLs, each with what a request needs to pass the gateway
-- (`/v1/forward-auth`). `shape` is the path with its parameters unnamed: two routes of one
-- method and shape would always tie, so they are one route.
CREATE TABLE routes (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    method          TEXT NOT NULL,
    path            TEXT NOT NULL,
    shape           TEXT NOT NULL,
    permissions     TEXT NOT NULL,
    integration_id  TEXT REFERENCES integrations (id),
    description     TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX routes_method_shape ON routes (org_id, method, shape);
