// SQLite schema (user_version 1). Times are canonical UTC text
// (2026-11-28T01:02:03.123456+00:00), so text order is time order.

export const SCHEMA_VERSION = 1

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS events (
  id        INTEGER PRIMARY KEY,
  time      TEXT NOT NULL,
  decky     TEXT NOT NULL,
  service   TEXT NOT NULL,
  type      TEXT NOT NULL,
  severity  INTEGER NOT NULL,
  src_ip    TEXT,
  src_port  INTEGER,
  fields    TEXT NOT NULL,
  msg       TEXT,
  raw       TEXT
);
CREATE INDEX IF NOT EXISTS events_time ON events(time);
CREATE INDEX IF NOT EXISTS events_decky ON events(decky, id);
CREATE INDEX IF NOT EXISTS events_service ON events(service, id);
CREATE INDEX IF NOT EXISTS events_type ON events(type, id);
CREATE INDEX IF NOT EXISTS events_src_ip ON events(src_ip, id);

CREATE TABLE IF NOT EXISTS credentials (
  id               INTEGER PRIMARY KEY,
  attacker_ip      TEXT NOT NULL,
  decky            TEXT NOT NULL,
  service          TEXT NOT NULL,
  principal        TEXT,
  principal_key    TEXT NOT NULL,
  secret_kind      TEXT NOT NULL,
  secret_sha256    TEXT NOT NULL,
  secret_b64       TEXT NOT NULL,
  secret_printable TEXT NOT NULL,
  outcome          TEXT,
  fields           TEXT NOT NULL,
  first_seen       TEXT NOT NULL,
  last_seen        TEXT NOT NULL,
  attempt_count    INTEGER NOT NULL DEFAULT 1,
  UNIQUE (attacker_ip, decky, service, secret_kind, secret_sha256, principal_key)
);
CREATE INDEX IF NOT EXISTS credentials_secret ON credentials(secret_sha256, service);
CREATE INDEX IF NOT EXISTS credentials_principal ON credentials(principal, service);
CREATE INDEX IF NOT EXISTS credentials_last_seen ON credentials(last_seen);

CREATE TABLE IF NOT EXISTS artifacts (
  id         INTEGER PRIMARY KEY,
  sha256     TEXT NOT NULL,
  size       INTEGER NOT NULL,
  stored_as  TEXT NOT NULL,
  path       TEXT NOT NULL,
  name       TEXT NOT NULL,
  decky      TEXT NOT NULL,
  service    TEXT NOT NULL,
  src_ip     TEXT,
  truncated  INTEGER NOT NULL,
  first_seen TEXT NOT NULL,
  last_seen  TEXT NOT NULL,
  seen_count INTEGER NOT NULL DEFAULT 1,
  UNIQUE (sha256, decky)
);

CREATE TABLE IF NOT EXISTS fingerprints (
  id         INTEGER PRIMARY KEY,
  kind       TEXT NOT NULL,
  value      TEXT NOT NULL,
  src_ip     TEXT NOT NULL,
  decky      TEXT NOT NULL,
  service    TEXT NOT NULL,
  extra      TEXT NOT NULL,
  count      INTEGER NOT NULL DEFAULT 1,
  first_seen TEXT NOT NULL,
  last_seen  TEXT NOT NULL,
  UNIQUE (kind, value, src_ip, decky, service)
);
CREATE INDEX IF NOT EXISTS fingerprints_value ON fingerprints(kind, value);

CREATE TABLE IF NOT EXISTS attackers (
  ip               TEXT PRIMARY KEY,
  first_seen       TEXT NOT NULL,
  last_seen        TEXT NOT NULL,
  event_count      INTEGER NOT NULL,
  credential_count INTEGER NOT NULL,
  deckies          TEXT NOT NULL,
  services         TEXT NOT NULL,
  tools            TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS raw_lines (
  id     INTEGER PRIMARY KEY,
  time   TEXT NOT NULL,
  peer   TEXT NOT NULL,
  reason TEXT NOT NULL,
  raw    TEXT NOT NULL
);
`
