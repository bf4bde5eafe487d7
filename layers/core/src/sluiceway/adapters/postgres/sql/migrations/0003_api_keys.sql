-- The HTTP API: API keys per tenant (stored hashed), and API submissions.
--
-- POST /v1/tasks only enqueues a submission on the ingest queue; the task row appears when the
-- ingest function starts its execution. `api_submissions` remembers each submission so that the
-- task is visible (status QUEUED) in between, to its tenant only.

CREATE TABLE api_keys (
    key_hash    text PRIMARY KEY,            -- hex SHA-256 of the key; the key is never stored
    tenant_id   text NOT NULL,
    prefix      text NOT NULL,               -- the key's first characters, to tell keys apart
    name        text,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    revoked_at  timestamptz
);
CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id);

CREATE TABLE api_submissions (
    task_id     text PRIMARY KEY,
    tenant_id   text NOT NULL,
    pipeline    text NOT NULL,
    bucket      text NOT NULL,
    key         text NOT NULL,
    filename    text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX api_submissions_tenant_idx ON api_submissions (tenant_id, created_at DESC);

-- A submission leaves api_submissions when its task row is created (by the ingest function,
-- through the orchestrator, in either runtime): the table holds exactly the QUEUED tasks.
CREATE FUNCTION api_submission_started() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM api_submissions WHERE task_id = NEW.id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER api_submission_started AFTER INSERT ON tasks
    FOR EACH ROW EXECUTE FUNCTION api_submission_started();
