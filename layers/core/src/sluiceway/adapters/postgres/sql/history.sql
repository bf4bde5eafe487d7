-- name: add_history_event
INSERT INTO execution_history
    (task_id, execution, id, previous_event_id, type, at, details, position, next_state)
VALUES (%(task_id)s, %(execution)s, %(id)s, %(previous_event_id)s, %(type)s, %(at)s, %(details)s,
        %(position)s, %(next_state)s)
ON CONFLICT DO NOTHING;

-- name: execution_history
SELECT execution, id, previous_event_id, type, at, details, position, next_state
FROM execution_history
WHERE task_id = %(task_id)s AND (%(execution)s::integer IS NULL OR execution = %(execution)s)
ORDER BY execution, id;
