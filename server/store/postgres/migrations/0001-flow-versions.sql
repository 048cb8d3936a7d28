-- Saved flows: every save is a new row, so the history stays and every server sees the same
-- flows. A flow's current version is its row with the highest version; a row whose document is
-- NULL records a deletion. document holds the canonical text (shared/canonical.ts serializeFlow),
-- the same bytes the file store writes to <id>.flow.json.
CREATE TABLE flow_versions (
  flow_id text NOT NULL,
  version integer NOT NULL CHECK (version > 0),
  document text,
  hash text,
  saved_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (flow_id, version),
  CHECK ((document IS NULL) = (hash IS NULL))
);
