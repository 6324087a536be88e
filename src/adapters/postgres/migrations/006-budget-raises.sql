-- Budgets a person raised with `worker-manager resume --budget` (docs/SPEC.md section 11.1), shared by
-- every host: `daily` (for the day `day` of BUDGET_TZ only) and `parent:<N>`. A change is notified
-- as `hw_pause`, so idle workers of every host look at the budget again at once.
CREATE TABLE hw_budget_raises (
  scope text PRIMARY KEY,
  day text,
  usd double precision NOT NULL CHECK (usd >= 0),
  set_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER hw_budget_raises_changed AFTER INSERT OR UPDATE OR DELETE ON hw_budget_raises
  FOR EACH STATEMENT EXECUTE FUNCTION hw_notify_pause();
