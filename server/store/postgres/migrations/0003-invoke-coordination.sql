-- What several servers on one database must agree on (server/invoke, server/schedule, server/keys).
-- idempotency_keys: which run an Idempotency-Key started, per API key (key_name, '' without one)
-- and flow. A call first inserts its row (run_id NULL: the run is being started), then starts the
-- run and records run_id; a concurrent retry on another server finds the row and waits for the
-- run_id. Rows are kept for the retention (over 24 h) and trimmed after it.
CREATE TABLE idempotency_keys (
  key_name text NOT NULL,
  flow_id text NOT NULL,
  idempotency_key text NOT NULL,
  fingerprint text NOT NULL,
  run_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key_name, flow_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- schedule_ticks: one row per schedule tick that started (or is starting) its run. Whoever
-- inserts the row starts the run; every other server's insert conflicts and skips the tick.
-- trigger is the trigger's place in settings.triggers, from 1; tick_ms the tick's time.
CREATE TABLE schedule_ticks (
  flow_id text NOT NULL,
  trigger integer NOT NULL CHECK (trigger > 0),
  tick_ms bigint NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (flow_id, trigger, tick_ms)
);

-- api_keys: the API keys every server on the database accepts (server/keys/api-keys-postgres.ts),
-- as api-keys.json holds them in file mode: the key's SHA-256 only, the flows it may invoke (NULL:
-- every flow), and revoked keys kept (revoking the last key must not reopen invoking). One active
-- key per name; creating a key under a revoked key's name replaces that one.
CREATE TABLE api_keys (
  name text NOT NULL,
  hash text NOT NULL UNIQUE,
  flows text[],
  scopes text[] NOT NULL,
  created_at text NOT NULL,
  revoked_at text
);
CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at IS NULL;
