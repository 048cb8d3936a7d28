-- Spend caps across runs in database mode (server/store/postgres/spend-ledger-postgres.ts), shared
-- by every server and worker on the database.
-- spend_periods: one row per cap and calendar period (cap_key names scope, flow, period, time zone
-- and the period itself, e.g. 2026-12-06), holding the spend settled in it. A reservation locks the
-- rows of its caps (in cap_key order, so two never wait on each other), adds up what live
-- reservations hold, and inserts its own only when every cap still has room: two processes can
-- never both take the last dollar. A period's row starts from the spend the run logs hold.
CREATE TABLE spend_periods (
  cap_key text PRIMARY KEY,
  spent_usd double precision NOT NULL DEFAULT 0 CHECK (spent_usd >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- spend_reservations: what running steps hold (their worst case). A settled one is deleted after
-- its real cost went into its periods. The holding process renews expires_at while the step runs;
-- one left behind by a process that died is settled by the next reservation from what its run's
-- log shows the step spent.
CREATE TABLE spend_reservations (
  id text PRIMARY KEY,
  flow_id text NOT NULL,
  cap_keys text[] NOT NULL,
  usd double precision NOT NULL CHECK (usd >= 0),
  run_id text,
  node_id text,
  reserved_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX spend_reservations_expiry ON spend_reservations (expires_at);
