-- The history of each execution of a task on the embedded runtime, event by event, as
-- GetExecutionHistory returns it (types, ids, previous event ids, details).
CREATE TABLE execution_history (
    task_id            text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    execution          integer NOT NULL,
    id                 integer NOT NULL,
    previous_event_id  integer NOT NULL,
    type               text NOT NULL,
    at                 timestamptz NOT NULL,
    details            jsonb NOT NULL,
    PRIMARY KEY (task_id, execution, id)
);
