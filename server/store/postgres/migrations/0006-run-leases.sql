-- Runs handed to workers (server/queue/). A run_leases row exists for every run that should be
-- executing: queued (owner NULL) or held by a worker (owner = its id), until expires_at. A worker
-- renews its leases every few seconds; a lease that expires (its worker died or lost the database)
-- is queued again by the sweep every worker runs. A run that ended, or that only waits for a
-- decision or a deadline, has no lease. weft_workers holds each worker's heartbeat (/api/health).
CREATE TABLE run_leases (
  run_id text PRIMARY KEY REFERENCES runs (run_id) ON DELETE CASCADE,
  owner text,
  expires_at timestamptz NOT NULL
);
CREATE INDEX run_leases_owner ON run_leases (owner);
CREATE INDEX run_leases_expires_at ON run_leases (expires_at);

CREATE TABLE weft_workers (
  worker_id text PRIMARY KEY,
  seen_at timestamptz NOT NULL
);

-- Runs left unfinished before workers existed are queued by the first sweep.
INSERT INTO run_leases (run_id, owner, expires_at)
  SELECT run_id, NULL, now() FROM runs WHERE status IN ('running', 'waiting') AND last_seq > 0;
