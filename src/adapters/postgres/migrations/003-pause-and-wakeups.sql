-- Migration 3: the pool-wide usage pause shared by every host (one row at most; a trigger
-- notifies `hw_pause` on every change), and an index for the kill requests (`run.killRequested`)
-- a host's manager looks for at every pass. `hw_queue` is notified per changed row, and not for a
-- lease renewal: the statement trigger also fired for the heartbeats' renewals (even of no row),
-- waking every idle worker of every host at each beat.
CREATE TABLE hw_pause (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  paused_until timestamptz NOT NULL,
  resets_at timestamptz,
  limit_type text,
  set_at timestamptz NOT NULL,
  host text NOT NULL,
  worker text NOT NULL,
  reason text NOT NULL
);
CREATE FUNCTION hw_notify_pause() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN PERFORM pg_notify('hw_pause', ''); RETURN NULL; END $$;
CREATE TRIGGER hw_pause_changed AFTER INSERT OR UPDATE OR DELETE ON hw_pause
  FOR EACH STATEMENT EXECUTE FUNCTION hw_notify_pause();
DROP TRIGGER hw_tasks_changed ON hw_tasks;
CREATE TRIGGER hw_tasks_added_or_removed AFTER INSERT OR DELETE ON hw_tasks
  FOR EACH ROW EXECUTE FUNCTION hw_notify_queue();
CREATE TRIGGER hw_tasks_changed AFTER UPDATE ON hw_tasks FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.run IS DISTINCT FROM NEW.run OR OLD.not_before IS DISTINCT FROM NEW.not_before
    OR OLD.attempts IS DISTINCT FROM NEW.attempts OR OLD.worker_id IS DISTINCT FROM NEW.worker_id)
  EXECUTE FUNCTION hw_notify_queue();
CREATE INDEX hw_tasks_kill_requested ON hw_tasks ((run->>'host')) WHERE status = 'claimed' AND (run->>'killRequested')::boolean;
