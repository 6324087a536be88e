-- Each task's open blockers (docs/SPEC.md section 8.5): issues to finish first, `201` or
-- `owner/name#201`. The claim hands out only queued tasks whose list is empty.
ALTER TABLE hw_tasks ADD COLUMN blocked_by text[] NOT NULL DEFAULT '{}';
