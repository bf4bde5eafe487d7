-- name: insert_bench_result
INSERT INTO bench_results (task_id, label, words, embedding)
VALUES (%(task_id)s, %(label)s, %(words)s, %(embedding)s)
ON CONFLICT (task_id) DO NOTHING;
