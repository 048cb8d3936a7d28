-- Runs in database mode (server/store/postgres/runs-store-postgres.ts). runs is the run index
-- (what the history list shows) plus last_seq, the sequence number of the run's last stored
-- event: an append first moves last_seq from the seq before its first event to its last one, in
-- the transaction that inserts the events, so two processes can never both record a run's next
-- event (and PRIMARY KEY (run_id, seq) guards the same from the other side).
-- run_events.body is json, not jsonb: json keeps the event's text exactly as written (key order,
-- numbers) and accepts every string JSON.stringify produces, "\u0000" included, which jsonb refuses.
-- A run.started body leaves out its flow: the flow is kept once in pinned_flows, keyed by the
-- sha256 of its stored text, and runs.pinned_flow points at it.
CREATE TABLE pinned_flows (
  hash text PRIMARY KEY,
  document text NOT NULL
);

CREATE TABLE runs (
  run_id text PRIMARY KEY,
  flow_id text NOT NULL,
  flow_name text NOT NULL,
  flow_hash text NOT NULL,
  pinned_flow text REFERENCES pinned_flows (hash),
  status text NOT NULL CHECK (status IN ('running', 'waiting', 'succeeded', 'failed', 'cancelled')),
  started_at text NOT NULL,
  ended_at text,
  cost_usd double precision NOT NULL DEFAULT 0,
  duration_ms double precision,
  inputs_preview text,
  last_seq integer NOT NULL DEFAULT 0 CHECK (last_seq >= 0)
);
CREATE INDEX runs_unfinished ON runs (status) WHERE status IN ('running', 'waiting');

CREATE TABLE run_events (
  run_id text NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  seq integer NOT NULL CHECK (seq > 0),
  type text NOT NULL,
  body json NOT NULL,
  at text NOT NULL,
  PRIMARY KEY (run_id, seq)
);
