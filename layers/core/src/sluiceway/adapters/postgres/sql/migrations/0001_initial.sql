-- Sluiceway schema, version 1: tasks, step checkpoints, task events, documents, chunks + vectors.
-- One SQL text for the embedded Postgres and for Aurora PostgreSQL (pgvector >= 0.5).

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE tasks (
    id               text PRIMARY KEY,
    tenant_id        text NOT NULL,
    pipeline         text NOT NULL,
    status           text NOT NULL DEFAULT 'PENDING'
                     CHECK (status IN ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    input            jsonb NOT NULL,
    source_name      text,
    document_type    text,
    result           jsonb,
    error            text,
    cause            text,
    executions       integer NOT NULL DEFAULT 0,
    lease_owner      text,
    lease_expires_at timestamptz,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    started_at       timestamptz,
    finished_at      timestamptz
);
-- Runnable tasks in arrival order (the embedded runtime claims from here).
CREATE INDEX tasks_runnable_idx ON tasks (created_at) WHERE status IN ('PENDING', 'RUNNING');
CREATE INDEX tasks_tenant_idx ON tasks (tenant_id, created_at DESC);

-- One row per completed step (and Map item): written before the task advances.
CREATE TABLE step_checkpoints (
    task_id      text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    step         text NOT NULL,
    item         text NOT NULL DEFAULT '',
    attempt      integer NOT NULL,
    output       jsonb,
    model        text,
    tokens_in    integer,
    tokens_out   integer,
    cost_usd     double precision,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL,
    PRIMARY KEY (task_id, step, item)
);

-- Progress: step.started / step.succeeded / step.failed / step.resumed / task.* events.
CREATE TABLE task_events (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    task_id  text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    kind     text NOT NULL,
    step     text,
    item     text,
    at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    detail   jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX task_events_task_idx ON task_events (task_id, id);

CREATE TABLE documents (
    task_id        text PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
    tenant_id      text NOT NULL,
    bucket         text NOT NULL,
    key            text NOT NULL,
    filename       text NOT NULL,
    size_bytes     bigint NOT NULL,
    sha256         text NOT NULL,
    media_type     text,
    title          text,
    pages          integer,
    chars          integer,
    encoding       text,
    text_key       text,
    document_type  text,
    fields         jsonb,
    created_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE chunks (
    task_id     text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    idx         integer NOT NULL,
    tenant_id   text NOT NULL,
    start_char  integer NOT NULL,
    end_char    integer NOT NULL,
    text        text NOT NULL,
    embedding   vector(384),
    PRIMARY KEY (task_id, idx)
);
CREATE INDEX chunks_embedding_idx ON chunks USING hnsw (embedding vector_cosine_ops);
CREATE INDEX chunks_tenant_idx ON chunks (tenant_id);
