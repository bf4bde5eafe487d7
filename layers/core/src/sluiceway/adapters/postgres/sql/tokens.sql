-- Task tokens (`.waitForTaskToken`).

-- name: register_token
INSERT INTO task_tokens (token, execution, state) VALUES (%(token)s, %(execution)s, %(state)s)
ON CONFLICT (token) DO NOTHING
RETURNING token;

-- name: get_token
SELECT token, status, output, error, cause, heartbeat_at FROM task_tokens WHERE token = %(token)s;

-- name: complete_token
UPDATE task_tokens
SET status = %(status)s, output = %(output)s, error = %(error)s, cause = %(cause)s,
    completed_at = clock_timestamp()
WHERE token = %(token)s AND status = 'WAITING'
RETURNING token;

-- name: heartbeat_token
UPDATE task_tokens SET heartbeat_at = clock_timestamp()
WHERE token = %(token)s AND status = 'WAITING'
RETURNING token;
