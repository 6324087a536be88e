-- A follow-up's kind (docs/SPEC.md section 14.3): fix-ci or address-review; NULL on a task itself.
ALTER TABLE hw_tasks ADD COLUMN kind text CHECK (kind IN ('fix-ci', 'address-review'));
