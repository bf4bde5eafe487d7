-- Results of the `bench` pipeline (sluiceway bench): one row per task.
CREATE TABLE bench_results (
    task_id    text PRIMARY KEY,
    label      text NOT NULL,
    words      integer NOT NULL,
    embedding  vector(384) NOT NULL,
    stored_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
