-- Each task's repository (NULL: queued before it was recorded, "repository unknown"), and the
-- `cancelled` status of a task whose run a person killed.
ALTER TABLE hw_tasks ADD COLUMN repo text;
ALTER TABLE hw_tasks DROP CONSTRAINT hw_tasks_status_check;
ALTER TABLE hw_tasks ADD CONSTRAINT hw_tasks_status_check
  CHECK (status IN ('queued', 'claimed', 'done', 'failed', 'review', 'cancelled'));
