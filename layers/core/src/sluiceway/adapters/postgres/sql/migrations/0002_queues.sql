-- Durable queues with SQS semantics, concurrency slots, token buckets, fair claiming.

CREATE TABLE queues (
    name                        text PRIMARY KEY,
    fifo                        boolean NOT NULL DEFAULT false,
    visibility_timeout_seconds  double precision NOT NULL DEFAULT 30,
    delay_seconds               double precision NOT NULL DEFAULT 0,
    max_receive_count           integer,            -- NULL: no redrive policy
    dead_letter_queue           text REFERENCES queues (name),
    created_at                  timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE queue_messages (
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue          text NOT NULL REFERENCES queues (name) ON DELETE CASCADE,
    message_id     text NOT NULL,
    body           text NOT NULL,
    attributes     jsonb NOT NULL DEFAULT '{}'::jsonb,
    group_id       text,
    sent_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    visible_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    receive_count  integer NOT NULL DEFAULT 0,
    first_received_at timestamptz,
    receipt        text,
    source_queue   text            -- set on messages moved to a dead-letter queue
);
CREATE INDEX queue_messages_visible_idx ON queue_messages (queue, visible_at, seq);
CREATE INDEX queue_messages_group_idx ON queue_messages (queue, group_id, seq) WHERE group_id IS NOT NULL;
CREATE UNIQUE INDEX queue_messages_receipt_idx ON queue_messages (receipt) WHERE receipt IS NOT NULL;

-- FIFO content deduplication (5-minute window, as SQS).
CREATE TABLE queue_dedup (
    queue       text NOT NULL REFERENCES queues (name) ON DELETE CASCADE,
    dedup_id    text NOT NULL,
    message_id  text NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (queue, dedup_id)
);

-- Concurrency limits shared by every worker: one row per held slot, with a lease.
CREATE TABLE concurrency_slots (
    key         text NOT NULL,
    slot        integer NOT NULL,
    holder      text,
    expires_at  timestamptz,
    PRIMARY KEY (key, slot)
);

-- Token buckets (requests/min, tokens/min) per model or service and tenant.
CREATE TABLE rate_buckets (
    key              text PRIMARY KEY,
    capacity         double precision NOT NULL,
    refill_per_sec   double precision NOT NULL,
    tokens           double precision NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Fair claiming walks runnable tasks tenant by tenant.
CREATE INDEX tasks_runnable_tenant_idx ON tasks (tenant_id, created_at)
    WHERE status IN ('PENDING', 'RUNNING');
