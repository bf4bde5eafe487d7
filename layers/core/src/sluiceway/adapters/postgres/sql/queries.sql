-- Named queries used by the Postgres adapters. Each starts with "-- name: <name>".
-- Parameters are psycopg named placeholders: %(name)s.

-- name: insert_task
INSERT INTO tasks (id, tenant_id, pipeline, input, source_name)
VALUES (%(id)s, %(tenant_id)s, %(pipeline)s, %(input)s, %(source_name)s)
RETURNING id;

-- name: insert_task_if_absent
INSERT INTO tasks (id, tenant_id, pipeline, input, source_name)
VALUES (%(id)s, %(tenant_id)s, %(pipeline)s, %(input)s, %(source_name)s)
ON CONFLICT (id) DO NOTHING
RETURNING id;

-- name: notify_tasks
SELECT pg_notify('sluiceway_tasks', %(pipeline)s);

-- name: claim_tasks
-- Pending tasks, and running tasks whose worker stopped renewing its lease (it crashed).
-- Fair across tenants: the oldest runnable task of every tenant comes first, then the second
-- oldest of every tenant, and so on, so one tenant's burst cannot starve another's tasks.
WITH tenants AS (
    SELECT DISTINCT tenant_id FROM tasks WHERE status IN ('PENDING', 'RUNNING')
), candidates AS (
    SELECT c.id, c.created_at, c.rank
    FROM tenants,
    LATERAL (
        SELECT id, created_at, row_number() OVER (ORDER BY created_at) AS rank
        FROM tasks
        WHERE tasks.tenant_id = tenants.tenant_id
          AND (status = 'PENDING' OR (status = 'RUNNING' AND lease_expires_at < clock_timestamp()))
        ORDER BY created_at
        LIMIT %(limit)s
    ) AS c
), picked AS (
    -- what the task was: a RUNNING one is reclaimed (its worker died: the execution goes on
    -- from its history); redrive_pending is consumed by this claim
    SELECT t.id, t.status AS was, t.redrive_pending AS redrive
    FROM tasks t JOIN candidates c ON c.id = t.id
    WHERE t.status = 'PENDING' OR (t.status = 'RUNNING' AND t.lease_expires_at < clock_timestamp())
    ORDER BY c.rank, c.created_at
    LIMIT %(limit)s
    FOR UPDATE OF t SKIP LOCKED
)
UPDATE tasks t
SET status = 'RUNNING',
    lease_owner = %(owner)s,
    lease_expires_at = clock_timestamp() + make_interval(secs => %(lease_seconds)s),
    started_at = coalesce(t.started_at, clock_timestamp()),
    executions = t.executions + 1,
    redrive_pending = false
FROM picked
WHERE t.id = picked.id
RETURNING t.id, t.tenant_id, t.pipeline, t.input, t.executions, t.redrives,
    picked.redrive AS redrive_pending, picked.was = 'RUNNING' AS reclaimed;

-- name: fail_exhausted_tasks
-- A task whose worker died during each of its last executions (its lease expired every time)
-- is not claimed forever: it ends FAILED, its input and checkpoints kept for a retry.
WITH exhausted AS (
    UPDATE tasks
    SET status = 'FAILED',
        error = 'ExecutionAttemptsExhausted',
        cause = 'the worker running this task stopped during each of its ' || executions
                || ' executions; the task was given up (retry it with `sluiceway tasks retry`)',
        finished_at = clock_timestamp(),
        lease_owner = NULL,
        lease_expires_at = NULL
    WHERE status = 'RUNNING' AND lease_expires_at < clock_timestamp()
      AND executions >= %(max_executions)s
    RETURNING id
)
INSERT INTO task_events (task_id, kind, detail)
SELECT id, 'task.failed', '{"error": "ExecutionAttemptsExhausted"}'::jsonb FROM exhausted;

-- name: renew_leases
UPDATE tasks
SET lease_expires_at = clock_timestamp() + make_interval(secs => %(lease_seconds)s)
WHERE id = ANY(%(ids)s) AND lease_owner = %(owner)s AND status = 'RUNNING';

-- name: finish_task
-- The execution's end decides the status; an error recorded by the pipeline (RecordFailure) wins.
-- Only the worker holding the lease may finish the task; the event is written with it.
WITH finished AS (
    UPDATE tasks
    SET status = %(status)s,
        error = CASE WHEN %(status)s = 'SUCCEEDED' THEN NULL ELSE coalesce(error, %(error)s) END,
        cause = CASE WHEN %(status)s = 'SUCCEEDED' THEN NULL ELSE coalesce(cause, %(cause)s) END,
        finished_at = clock_timestamp(),
        lease_owner = NULL,
        lease_expires_at = NULL,
        redrive_pending = false
    WHERE id = %(id)s AND lease_owner = %(owner)s AND status = 'RUNNING'
    RETURNING id, error
)
INSERT INTO task_events (task_id, kind, detail)
SELECT id, CASE WHEN %(status)s = 'SUCCEEDED' THEN 'task.succeeded' ELSE 'task.failed' END,
       CASE WHEN error IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('error', error) END
FROM finished;

-- name: requeue_task
-- A retry: the task runs again from its start, its finished steps taken from their checkpoints.
UPDATE tasks
SET status = 'PENDING', error = NULL, cause = NULL, result = NULL, finished_at = NULL,
    lease_owner = NULL, lease_expires_at = NULL, redrive_pending = false
WHERE id = %(id)s AND status IN ('FAILED', 'CANCELLED', 'RUNNING', 'PENDING')
RETURNING id;

-- name: redrive_task
-- RedriveExecution: the execution goes on from its unsuccessful states (the worker reads its
-- history); $$.Execution.RedriveCount goes up.
UPDATE tasks
SET status = 'PENDING', error = NULL, cause = NULL, result = NULL, finished_at = NULL,
    lease_owner = NULL, lease_expires_at = NULL, redrive_pending = true, redrives = redrives + 1
WHERE id = %(id)s AND status IN ('FAILED', 'CANCELLED')
RETURNING id;

-- name: cancel_task
UPDATE tasks
SET status = 'CANCELLED', finished_at = clock_timestamp(), lease_owner = NULL, lease_expires_at = NULL
WHERE id = %(id)s AND status IN ('PENDING', 'RUNNING')
RETURNING id;

-- name: record_result
UPDATE tasks
SET result = %(result)s, document_type = coalesce(%(document_type)s, document_type)
WHERE id = %(id)s;

-- name: record_error
UPDATE tasks SET error = %(error)s, cause = %(cause)s WHERE id = %(id)s;

-- name: get_task
SELECT id, tenant_id, pipeline, status, input, source_name, document_type, result, error, cause,
       executions, created_at, started_at, finished_at
FROM tasks WHERE id = %(id)s;

-- name: get_tasks
SELECT id, tenant_id, pipeline, status, input, source_name, document_type, result, error, cause,
       executions, created_at, started_at, finished_at
FROM tasks WHERE id = ANY(%(ids)s) ORDER BY created_at;

-- name: list_tasks
SELECT id, tenant_id, pipeline, status, input, source_name, document_type, result, error, cause,
       executions, created_at, started_at, finished_at
FROM tasks
WHERE tenant_id = %(tenant_id)s AND (%(status)s::text IS NULL OR status = %(status)s)
ORDER BY created_at DESC
LIMIT %(limit)s;

-- name: count_statuses
SELECT status, count(*) AS n FROM tasks WHERE id = ANY(%(ids)s) GROUP BY status;

-- name: count_finished_steps
SELECT count(*) AS n FROM step_checkpoints WHERE task_id = ANY(%(ids)s);

-- name: get_checkpoint
SELECT output FROM step_checkpoints
WHERE task_id = %(task_id)s AND step = %(step)s AND item = %(item)s;

-- name: save_checkpoint
-- The first completion wins: a duplicate delivery of the same step finds the row already there.
INSERT INTO step_checkpoints (task_id, step, item, attempt, output, model, tokens_in, tokens_out,
                              cost_usd, started_at, finished_at)
VALUES (%(task_id)s, %(step)s, %(item)s,
        (SELECT count(*) FROM task_events
         WHERE task_id = %(task_id)s AND step = %(step)s AND item = %(item)s
           AND kind = 'step.started'),
        %(output)s, %(model)s, %(tokens_in)s, %(tokens_out)s, %(cost_usd)s,
        %(started_at)s, clock_timestamp())
ON CONFLICT (task_id, step, item) DO NOTHING;

-- name: task_checkpoint_outputs
SELECT step, item, output FROM step_checkpoints WHERE task_id = %(task_id)s;

-- name: list_checkpoints
SELECT step, item, attempt, model, tokens_in, tokens_out, cost_usd, started_at, finished_at
FROM step_checkpoints WHERE task_id = %(task_id)s ORDER BY finished_at;

-- name: add_event
INSERT INTO task_events (task_id, kind, step, item, detail, at)
VALUES (%(task_id)s, %(kind)s, %(step)s, %(item)s, %(detail)s,
        coalesce(%(at)s::timestamptz, clock_timestamp()));

-- name: list_events
SELECT id, kind, step, item, at, detail FROM task_events
WHERE task_id = %(task_id)s AND id > %(after)s ORDER BY id;

-- name: step_progress
-- One row per step (Map items folded): its first start, last finish and latest status.
SELECT step,
       min(at) FILTER (WHERE kind IN ('step.started', 'step.resumed')) AS started_at,
       max(at) FILTER (WHERE kind IN ('step.succeeded', 'step.failed', 'step.resumed')) AS finished_at,
       (array_agg(kind ORDER BY id DESC))[1] AS last_kind,
       bool_or(kind = 'step.failed') AS any_failed,
       count(DISTINCT item) FILTER (WHERE kind IN ('step.succeeded', 'step.resumed')) AS items_done,
       min(id) AS first_id
FROM task_events
WHERE task_id = %(task_id)s AND step IS NOT NULL
GROUP BY step
ORDER BY first_id;

-- name: upsert_document
INSERT INTO documents (task_id, tenant_id, bucket, key, filename, size_bytes, sha256, media_type,
                       title, pages, chars, encoding, text_key)
VALUES (%(task_id)s, %(tenant_id)s, %(bucket)s, %(key)s, %(filename)s, %(size_bytes)s, %(sha256)s,
        %(media_type)s, %(title)s, %(pages)s, %(chars)s, %(encoding)s, %(text_key)s)
ON CONFLICT (task_id) DO UPDATE
SET media_type = excluded.media_type, title = excluded.title, pages = excluded.pages,
    chars = excluded.chars, encoding = excluded.encoding, text_key = excluded.text_key,
    size_bytes = excluded.size_bytes, sha256 = excluded.sha256;

-- name: set_document_type
UPDATE documents SET document_type = %(document_type)s WHERE task_id = %(task_id)s;

-- name: set_document_fields
UPDATE documents SET fields = %(fields)s WHERE task_id = %(task_id)s;

-- name: upsert_chunk
INSERT INTO chunks (task_id, idx, tenant_id, start_char, end_char, text)
VALUES (%(task_id)s, %(idx)s, %(tenant_id)s, %(start_char)s, %(end_char)s, %(text)s)
ON CONFLICT (task_id, idx) DO UPDATE
SET start_char = excluded.start_char, end_char = excluded.end_char, text = excluded.text;

-- name: delete_chunks_from
DELETE FROM chunks WHERE task_id = %(task_id)s AND idx >= %(first_idx)s;

-- name: get_chunks
SELECT idx, text FROM chunks
WHERE task_id = %(task_id)s AND idx >= %(first)s AND idx < %(last)s ORDER BY idx;

-- name: set_embedding
UPDATE chunks SET embedding = %(embedding)s WHERE task_id = %(task_id)s AND idx = %(idx)s;

-- name: count_embedded
SELECT count(*) AS n FROM chunks WHERE task_id = %(task_id)s AND embedding IS NOT NULL;

-- name: search_chunks
SELECT c.task_id, c.idx, c.text, d.filename, d.document_type,
       1 - (c.embedding <=> %(query)s) AS score
FROM chunks c JOIN documents d USING (task_id)
WHERE c.tenant_id = %(tenant_id)s AND c.embedding IS NOT NULL
ORDER BY c.embedding <=> %(query)s
LIMIT %(limit)s;

-- name: ensure_manual_task
-- A task driven by hand (`sluiceway invoke`): RUNNING without a lease, so no worker claims it.
INSERT INTO tasks (id, tenant_id, pipeline, status, input, started_at)
VALUES (%(id)s, %(tenant_id)s, 'invoke', 'RUNNING', %(input)s, clock_timestamp())
ON CONFLICT (id) DO NOTHING;

-- name: count_all_statuses
SELECT status, count(*) AS n FROM tasks GROUP BY status;
