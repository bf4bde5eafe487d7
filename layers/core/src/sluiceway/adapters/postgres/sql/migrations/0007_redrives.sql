-- How often a failed task was run again (`sluiceway tasks retry`, POST /v1/tasks/{id}/retry):
-- the execution's $$.Execution.RedriveCount, as with Step Functions' RedriveExecution.
ALTER TABLE tasks ADD COLUMN redrives integer NOT NULL DEFAULT 0;
