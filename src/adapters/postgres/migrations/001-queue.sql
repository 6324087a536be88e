-- Migration 1: the queue, one row per task, with its lease tokens (hw_lease_tokens); a trigger
-- notifies `hw_queue` when the tasks change.
CREATE SEQUENCE hw_lease_tokens;
CREATE TABLE hw_tasks (
  id bigserial PRIMARY KEY,
  subissue text NOT NULL,
  parent text NOT NULL,
  priority integer NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'claimed', 'done', 'failed', 'review')),
  host text,
  worker_id integer,
  attempts integer NOT NULL DEFAULT 0,
  not_before timestamptz,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  claimed_at timestamptz,
  finished_at timestamptz,
  last_error text,
  lease_token bigint,
  lease_expires_at timestamptz,
  run jsonb
);
CREATE INDEX hw_tasks_queued ON hw_tasks (priority, created_at, id) WHERE status = 'queued';
CREATE INDEX hw_tasks_held ON hw_tasks (host, worker_id) WHERE status = 'claimed';
CREATE INDEX hw_tasks_active_subissue ON hw_tasks (subissue) WHERE status IN ('queued', 'claimed');
CREATE FUNCTION hw_notify_queue() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN PERFORM pg_notify('hw_queue', ''); RETURN NULL; END $$;
CREATE TRIGGER hw_tasks_changed AFTER INSERT OR UPDATE OR DELETE ON hw_tasks
  FOR EACH STATEMENT EXECUTE FUNCTION hw_notify_queue();
