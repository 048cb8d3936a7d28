-- A child run (a subflow's, a map item's) names its parent run in the run index, so history lists
-- child runs under their parent instead of among the top-level runs.
ALTER TABLE runs ADD COLUMN parent_run_id text;
CREATE INDEX runs_parent_run_id ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
