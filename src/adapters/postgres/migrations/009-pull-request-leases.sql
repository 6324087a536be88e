-- One pull-request watcher per pull request across the fleet (docs/SPEC.md section 14.2): the
-- watcher that acts on a pull request (follow-ups, merges) holds its row until expires_at.
CREATE TABLE hw_pull_request_leases (
  pr_key text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
);
