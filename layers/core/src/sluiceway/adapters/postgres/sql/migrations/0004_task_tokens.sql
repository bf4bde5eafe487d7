-- Task tokens of `.waitForTaskToken` states run by the embedded runtime (SendTaskSuccess etc.).
CREATE TABLE task_tokens (
    token         text PRIMARY KEY,
    execution     text NOT NULL,
    state         text NOT NULL,
    status        text NOT NULL DEFAULT 'WAITING' CHECK (status IN ('WAITING', 'SUCCEEDED', 'FAILED')),
    output        jsonb,
    error         text,
    cause         text,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    heartbeat_at  timestamptz,
    completed_at  timestamptz
);
