-- A third follow-up kind (docs/SPEC.md section 14.6): resolve-conflict, for a branch that conflicts with its moved base.
ALTER TABLE hw_tasks DROP CONSTRAINT IF EXISTS hw_tasks_kind_check;
ALTER TABLE hw_tasks ADD CONSTRAINT hw_tasks_kind_check CHECK (kind IN ('fix-ci', 'address-review', 'resolve-conflict'));
