-- Migration 2: health and history of every host (docs/SPEC.md section 9.4). One row per worker,
-- keyed (host, worker_id), written by one statement per heartbeat; a reset copies a host's rows
-- into hw_worker_resets first; the task history is one row per finished task.
CREATE TABLE hw_workers (
  host text NOT NULL,
  worker_id integer NOT NULL,
  status text NOT NULL DEFAULT 'idle',
  current_task text NOT NULL DEFAULT 'none',
  last_heartbeat timestamptz,
  started_at timestamptz,
  task_started_at timestamptz,
  last_progress_at timestamptz,
  pid integer,
  tasks_completed integer NOT NULL DEFAULT 0,
  tasks_failed integer NOT NULL DEFAULT 0,
  restarts integer NOT NULL DEFAULT 0,
  PRIMARY KEY (host, worker_id)
);
CREATE TABLE hw_worker_resets (
  id bigserial PRIMARY KEY,
  host text NOT NULL,
  reset_at timestamptz NOT NULL DEFAULT now(),
  workers jsonb NOT NULL
);
CREATE TABLE hw_task_history (
  id bigserial PRIMARY KEY,
  host text NOT NULL,
  worker_id integer NOT NULL,
  task_id text NOT NULL,
  started_at text NOT NULL,
  record jsonb NOT NULL
);
CREATE INDEX hw_task_history_run ON hw_task_history (task_id, host, worker_id);
