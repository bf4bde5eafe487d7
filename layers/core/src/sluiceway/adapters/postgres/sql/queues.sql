-- Queues with SQS semantics. Every statement runs in the caller's transaction.

-- name: upsert_queue
INSERT INTO queues (name, fifo, visibility_timeout_seconds, delay_seconds, max_receive_count, dead_letter_queue)
VALUES (%(name)s, %(fifo)s, %(visibility_timeout)s, %(delay_seconds)s, %(max_receive_count)s, %(dead_letter_queue)s)
ON CONFLICT (name) DO UPDATE
SET fifo = excluded.fifo,
    visibility_timeout_seconds = excluded.visibility_timeout_seconds,
    delay_seconds = excluded.delay_seconds,
    max_receive_count = excluded.max_receive_count,
    dead_letter_queue = excluded.dead_letter_queue;

-- name: get_queue
SELECT name, fifo, visibility_timeout_seconds, delay_seconds, max_receive_count, dead_letter_queue
FROM queues WHERE name = %(name)s;

-- name: list_queues
SELECT name, fifo, visibility_timeout_seconds, delay_seconds, max_receive_count, dead_letter_queue
FROM queues ORDER BY name;

-- name: claim_dedup
-- A FIFO deduplication id already seen in the last 5 minutes returns nothing.
INSERT INTO queue_dedup (queue, dedup_id, message_id, expires_at)
VALUES (%(queue)s, %(dedup_id)s, %(message_id)s, clock_timestamp() + interval '5 minutes')
ON CONFLICT (queue, dedup_id) DO UPDATE
SET message_id = excluded.message_id, expires_at = excluded.expires_at
WHERE queue_dedup.expires_at < clock_timestamp()
RETURNING message_id;

-- name: dedup_message_id
SELECT message_id FROM queue_dedup WHERE queue = %(queue)s AND dedup_id = %(dedup_id)s;

-- name: send_message
INSERT INTO queue_messages (queue, message_id, body, attributes, group_id, visible_at)
VALUES (%(queue)s, %(message_id)s, %(body)s, %(attributes)s, %(group_id)s,
        clock_timestamp() + make_interval(secs => %(delay_seconds)s));

-- name: notify_queue
SELECT pg_notify('sluiceway_queue', %(queue)s);

-- name: dead_letter
-- Messages received maxReceiveCount times and visible again move to the dead-letter queue.
WITH q AS (
    SELECT max_receive_count, dead_letter_queue FROM queues
    WHERE name = %(queue)s AND max_receive_count IS NOT NULL AND dead_letter_queue IS NOT NULL
), poison AS (
    SELECT m.seq FROM queue_messages m, q
    WHERE m.queue = %(queue)s AND m.visible_at <= clock_timestamp()
      AND m.receive_count >= q.max_receive_count
    FOR UPDATE OF m SKIP LOCKED
)
UPDATE queue_messages m
SET queue = q.dead_letter_queue, source_queue = m.queue, visible_at = clock_timestamp(), receipt = NULL
FROM poison, q
WHERE m.seq = poison.seq
RETURNING m.message_id;

-- name: receive_standard
WITH picked AS (
    SELECT seq FROM queue_messages
    WHERE queue = %(queue)s AND visible_at <= clock_timestamp()
    ORDER BY visible_at, seq
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE queue_messages m
SET visible_at = clock_timestamp() + make_interval(secs => %(visibility)s),
    receive_count = m.receive_count + 1,
    first_received_at = coalesce(m.first_received_at, clock_timestamp()),
    receipt = gen_random_uuid()::text
FROM picked
WHERE m.seq = picked.seq
RETURNING m.seq, m.message_id, m.body, m.attributes, m.group_id, m.sent_at, m.receive_count,
          m.first_received_at, m.receipt;

-- name: receive_fifo
-- Only the oldest message of each group, and only while no message of its group is in flight.
WITH heads AS (
    SELECT DISTINCT ON (coalesce(group_id, '')) seq, visible_at
    FROM queue_messages WHERE queue = %(queue)s
    ORDER BY coalesce(group_id, ''), seq
), picked AS (
    SELECT m.seq FROM queue_messages m JOIN heads h ON h.seq = m.seq
    WHERE h.visible_at <= clock_timestamp()
    ORDER BY m.seq
    LIMIT %(limit)s
    FOR UPDATE OF m SKIP LOCKED
)
UPDATE queue_messages m
SET visible_at = clock_timestamp() + make_interval(secs => %(visibility)s),
    receive_count = m.receive_count + 1,
    first_received_at = coalesce(m.first_received_at, clock_timestamp()),
    receipt = gen_random_uuid()::text
FROM picked
WHERE m.seq = picked.seq
RETURNING m.seq, m.message_id, m.body, m.attributes, m.group_id, m.sent_at, m.receive_count,
          m.first_received_at, m.receipt;

-- name: delete_message
DELETE FROM queue_messages WHERE receipt = %(receipt)s RETURNING seq;

-- name: delete_messages
DELETE FROM queue_messages WHERE receipt = ANY(%(receipts)s) RETURNING seq;

-- name: change_visibility
UPDATE queue_messages
SET visible_at = clock_timestamp() + make_interval(secs => %(timeout)s)
WHERE receipt = %(receipt)s
RETURNING seq;

-- name: queue_stats
SELECT count(*) FILTER (WHERE visible_at <= clock_timestamp()) AS visible,
       count(*) FILTER (WHERE visible_at > clock_timestamp() AND receive_count > 0
                          AND receipt IS NOT NULL) AS in_flight,
       count(*) FILTER (WHERE visible_at > clock_timestamp() AND receipt IS NULL) AS delayed
FROM queue_messages WHERE queue = %(queue)s;

-- name: redrive_batch
-- Move up to `limit` messages from a dead-letter queue back to their source (or `destination`).
WITH picked AS (
    SELECT seq FROM queue_messages
    WHERE queue = %(dlq)s AND coalesce(%(destination)s, source_queue) IS NOT NULL
    ORDER BY seq
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
)
UPDATE queue_messages m
SET queue = coalesce(%(destination)s, m.source_queue), source_queue = NULL, receive_count = 0,
    first_received_at = NULL, receipt = NULL, visible_at = clock_timestamp()
FROM picked
WHERE m.seq = picked.seq
RETURNING m.queue;

-- Concurrency slots ---------------------------------------------------------------------------

-- name: create_slots
INSERT INTO concurrency_slots (key, slot)
SELECT %(key)s, g FROM generate_series(0, %(limit)s - 1) AS g
ON CONFLICT DO NOTHING;

-- name: acquire_slot
WITH free AS (
    SELECT key, slot FROM concurrency_slots
    WHERE key = %(key)s AND slot < %(limit)s
      AND (holder IS NULL OR expires_at < clock_timestamp())
    ORDER BY slot
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
UPDATE concurrency_slots c
SET holder = %(holder)s, expires_at = clock_timestamp() + make_interval(secs => %(lease)s)
FROM free
WHERE c.key = free.key AND c.slot = free.slot
RETURNING c.slot;

-- name: release_slot
UPDATE concurrency_slots SET holder = NULL, expires_at = NULL
WHERE key = %(key)s AND slot = %(slot)s AND holder = %(holder)s;

-- name: slots_in_use
SELECT count(*) AS n FROM concurrency_slots
WHERE key = %(key)s AND holder IS NOT NULL AND expires_at >= clock_timestamp();

-- Token buckets -------------------------------------------------------------------------------

-- name: upsert_bucket
INSERT INTO rate_buckets (key, capacity, refill_per_sec, tokens)
VALUES (%(key)s, %(capacity)s, %(refill_per_sec)s, %(capacity)s)
ON CONFLICT (key) DO UPDATE
SET capacity = excluded.capacity, refill_per_sec = excluded.refill_per_sec
WHERE rate_buckets.capacity <> excluded.capacity
   OR rate_buckets.refill_per_sec <> excluded.refill_per_sec;

-- name: take_tokens
-- Refill by elapsed time, then take `cost` if available. Returns whether it was granted and,
-- if not, how long until it would be.
WITH cur AS (
    SELECT key, refill_per_sec,
           least(capacity, tokens + extract(epoch FROM clock_timestamp() - updated_at) * refill_per_sec)
               AS available
    FROM rate_buckets WHERE key = %(key)s
    FOR UPDATE
)
UPDATE rate_buckets b
SET tokens = CASE WHEN cur.available >= %(cost)s THEN cur.available - %(cost)s ELSE cur.available END,
    updated_at = clock_timestamp()
FROM cur
WHERE b.key = cur.key
RETURNING cur.available >= %(cost)s AS granted,
          CASE WHEN cur.available >= %(cost)s THEN 0.0
               ELSE (%(cost)s - cur.available) / nullif(cur.refill_per_sec, 0) END AS wait_seconds;

-- name: give_tokens
UPDATE rate_buckets SET tokens = least(capacity, tokens + %(amount)s) WHERE key = %(key)s;
