-- Named queries of the HTTP API (sluiceway.api.queries). Every task query is scoped to a tenant.

-- name: api_ping
SELECT 1 AS ok;

-- name: api_insert_key
INSERT INTO api_keys (key_hash, tenant_id, prefix, name)
VALUES (%(key_hash)s, %(tenant_id)s, %(prefix)s, %(name)s);

-- name: api_key_tenant
SELECT tenant_id FROM api_keys WHERE key_hash = %(key_hash)s AND revoked_at IS NULL;

-- name: api_insert_submission
INSERT INTO api_submissions (task_id, tenant_id, pipeline, bucket, key, filename)
VALUES (%(task_id)s, %(tenant_id)s, %(pipeline)s, %(bucket)s, %(key)s, %(filename)s)
ON CONFLICT (task_id) DO NOTHING
RETURNING task_id;

-- name: api_delete_submission
DELETE FROM api_submissions WHERE task_id = %(task_id)s;

-- name: api_get_submission
-- A submission whose task has not started yet (once it has, the tasks row answers).
SELECT s.task_id, s.tenant_id, s.pipeline, s.bucket, s.key, s.filename, s.created_at
FROM api_submissions s
WHERE s.task_id = %(task_id)s AND s.tenant_id = %(tenant_id)s
  AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = s.task_id);

-- name: api_get_task
SELECT id, tenant_id, pipeline, status, input, source_name, document_type, result, error, cause,
       executions, created_at, started_at, finished_at
FROM tasks WHERE id = %(task_id)s AND tenant_id = %(tenant_id)s;

-- name: api_list_tasks
-- The tenant's tasks, newest first, with its submissions not started yet as QUEUED.
(
    SELECT id AS task_id, status, pipeline, coalesce(input ->> 'filename', source_name) AS filename,
           document_type, error, cause AS message, created_at, started_at, finished_at
    FROM tasks
    WHERE tenant_id = %(tenant_id)s AND (%(status)s::text IS NULL OR status = %(status)s)
    ORDER BY created_at DESC
    LIMIT %(limit)s
)
UNION ALL
(
    SELECT s.task_id, 'QUEUED', s.pipeline, s.filename, NULL, NULL, NULL, s.created_at, NULL, NULL
    FROM api_submissions s
    WHERE s.tenant_id = %(tenant_id)s AND (%(status)s::text IS NULL OR %(status)s = 'QUEUED')
      AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = s.task_id)
    ORDER BY s.created_at DESC
    LIMIT %(limit)s
)
ORDER BY created_at DESC
LIMIT %(limit)s;

-- name: api_list_events
SELECT id, kind, step, item, at, detail FROM task_events
WHERE task_id = %(task_id)s AND id > %(after)s
ORDER BY id
LIMIT %(limit)s;
