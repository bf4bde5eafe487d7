-- RedriveExecution on the embedded runtime (`sluiceway tasks redrive`): each ...StateExited
-- event keeps where it happened and the state that followed, so a redrive skips what completed;
-- a task asked to be redriven says so until its redriven execution ends.
ALTER TABLE execution_history ADD COLUMN position text, ADD COLUMN next_state text;
ALTER TABLE tasks ADD COLUMN redrive_pending boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN tasks.redrives IS
    'how often the task was redriven (sluiceway tasks redrive): $$.Execution.RedriveCount';
