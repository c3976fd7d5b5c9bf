import type Database from 'better-sqlite3';

/**
 * Schema migrations, applied in order; `PRAGMA user_version` is the number applied. Never edit a released
 * migration: append a new one. Times are integer milliseconds since the epoch (UTC). A migration is SQL, or a
 * function for what SQL cannot do alone (it runs in the same transaction).
 */
export type Migration = string | ((db: Database.Database) => void);

export const migrations: Migration[] = [
  // 1: recordings
  `CREATE TABLE segments (
     id INTEGER PRIMARY KEY,
     camera TEXT NOT NULL,
     path TEXT NOT NULL UNIQUE,          -- relative to dataDir
     start_ms INTEGER NOT NULL,
     end_ms INTEGER NOT NULL,
     bytes INTEGER NOT NULL,
     closed INTEGER NOT NULL DEFAULT 1,  -- 0 while ffmpeg is still writing it (end_ms is then the last known end)
     created_ms INTEGER NOT NULL
   );
   CREATE INDEX segments_camera_start ON segments(camera, start_ms);
   CREATE INDEX segments_start ON segments(start_ms);
   CREATE TABLE gaps (
     id INTEGER PRIMARY KEY,
     camera TEXT NOT NULL,
     from_ms INTEGER NOT NULL,
     to_ms INTEGER NOT NULL,
     reason TEXT NOT NULL
   );
   CREATE INDEX gaps_camera_from ON gaps(camera, from_ms);`,
  // 2: drop folders (files already reported, so each is reported once across restarts)
  `CREATE TABLE drop_files (
     camera TEXT NOT NULL,
     name TEXT NOT NULL,
     size INTEGER NOT NULL,
     seen_ms INTEGER NOT NULL,
     PRIMARY KEY (camera, name, size)
   ) WITHOUT ROWID;`,
  // 3: events, the upload outbox and what was stored
  `CREATE TABLE events (
     id TEXT PRIMARY KEY,                -- the event record's id (stable for the whole event)
     camera TEXT NOT NULL,
     state TEXT NOT NULL,                -- start | update | end: the last record seen
     start_ms INTEGER NOT NULL,
     end_ms INTEGER,                     -- null while the event is open
     labels TEXT NOT NULL,               -- JSON array
     source TEXT NOT NULL,
     topic TEXT,
     updated_ms INTEGER NOT NULL
   );
   CREATE INDEX events_camera_start ON events(camera, start_ms);
   CREATE INDEX events_start ON events(start_ms);
   CREATE TABLE outbox (
     id INTEGER PRIMARY KEY,
     key TEXT NOT NULL UNIQUE,           -- deterministic work key (clip:<eventId>, file:<path>, segment:<path>)
     kind TEXT NOT NULL,                 -- event | file | segment
     priority INTEGER NOT NULL,          -- higher runs first: event clips before continuous backup
     payload TEXT NOT NULL,              -- the pipeline record (JSON)
     state TEXT NOT NULL DEFAULT 'pending', -- pending | done | failed
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_ms INTEGER NOT NULL,
     last_error TEXT,
     owner INTEGER,                      -- pid of the process working on it
     claimed_ms INTEGER,
     created_ms INTEGER NOT NULL,
     updated_ms INTEGER NOT NULL
   );
   CREATE INDEX outbox_due ON outbox(state, next_attempt_ms);
   CREATE TABLE uploads (
     key TEXT PRIMARY KEY,               -- storage key
     url TEXT NOT NULL,
     kind TEXT NOT NULL,                 -- clip | segment
     event_id TEXT,
     camera TEXT NOT NULL,
     start_ms INTEGER NOT NULL,
     end_ms INTEGER NOT NULL,
     bytes INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     poster TEXT,                        -- URL of the JPEG
     manifest TEXT,                      -- URL of the JSON manifest
     partial INTEGER NOT NULL DEFAULT 0,
     uploaded_ms INTEGER NOT NULL
   );
   CREATE INDEX uploads_event ON uploads(event_id);
   CREATE INDEX uploads_camera_start ON uploads(camera, start_ms);`,
  // 4: what the detector found in each stored clip, and the alerts sent (so re-analysis never re-alerts)
  `CREATE TABLE analyses (
     clip_url TEXT PRIMARY KEY,          -- uploads.url of the analysed clip
     event_id TEXT,
     camera TEXT NOT NULL,
     start_ms INTEGER NOT NULL,          -- the clip's start (for time-ordered queries)
     detector TEXT NOT NULL,
     frames INTEGER NOT NULL,
     alert INTEGER NOT NULL,
     analyzed_ms INTEGER NOT NULL
   );
   CREATE TABLE detections (
     clip_url TEXT NOT NULL,
     event_id TEXT,
     camera TEXT NOT NULL,
     label TEXT NOT NULL,                -- the vocabulary of src/lib/detect/labels.ts
     confidence REAL NOT NULL,           -- 0..1, the best of the clip for this label
     at_ms INTEGER NOT NULL,             -- when in the clip it was seen
     start_ms INTEGER NOT NULL,          -- the clip's start (copied, so label queries need no join to sort)
     box TEXT,                           -- JSON {x,y,width,height}, normalised 0..1
     PRIMARY KEY (clip_url, label)
   ) WITHOUT ROWID;
   CREATE INDEX detections_label_start ON detections(label, start_ms);
   CREATE TABLE alerts_sent (
     event_key TEXT NOT NULL,            -- event id, or the clip URL for clips without an event
     sink TEXT NOT NULL,                 -- webhook | mqtt | sns
     sent_ms INTEGER NOT NULL,
     PRIMARY KEY (event_key, sink)
   ) WITHOUT ROWID;`,
  // 5: search and prune. The events' own (camera AI) labels as rows, kept in step with events.labels by triggers, so
  // a tag is found through an index; detections by event; uploads by URL; plain clips (no event) by time.
  `CREATE TABLE event_labels (
     event_id TEXT NOT NULL,
     label TEXT NOT NULL,
     start_ms INTEGER NOT NULL,          -- the event's start (copied, so a tag query filters time without a join)
     PRIMARY KEY (event_id, label)
   ) WITHOUT ROWID;
   CREATE INDEX event_labels_label_start ON event_labels(label, start_ms);
   INSERT OR IGNORE INTO event_labels SELECT e.id, j.value, e.start_ms FROM events e, json_each(e.labels) j WHERE j.type = 'text';
   CREATE TRIGGER events_labels_insert AFTER INSERT ON events BEGIN
     INSERT OR IGNORE INTO event_labels SELECT NEW.id, value, NEW.start_ms FROM json_each(NEW.labels) WHERE type = 'text';
   END;
   CREATE TRIGGER events_labels_update AFTER UPDATE OF labels, start_ms ON events BEGIN
     DELETE FROM event_labels WHERE event_id = OLD.id;
     INSERT OR IGNORE INTO event_labels SELECT NEW.id, value, NEW.start_ms FROM json_each(NEW.labels) WHERE type = 'text';
   END;
   CREATE TRIGGER events_labels_delete AFTER DELETE ON events BEGIN
     DELETE FROM event_labels WHERE event_id = OLD.id;
   END;
   CREATE INDEX detections_event_label ON detections(event_id, label);
   CREATE INDEX uploads_url ON uploads(url);
   CREATE INDEX uploads_plain_clip_start ON uploads(start_ms) WHERE event_id IS NULL AND kind = 'clip';`,
  // 6: a tag's plain clips (detections without an event) by time, so search walks them newest first and stops at its
  // limit instead of passing over every event's detections of that label.
  `CREATE INDEX detections_plain_label_start ON detections(label, start_ms) WHERE event_id IS NULL;`,
  // 7: what each outbox item reads, in columns (camera, path, time span), so retention knows what pending work needs
  // without reading payloads. Existing items get them from their payloads: the derivation of catalog/outbox.ts
  // subjectOf as it was when this migration was written (a migration never changes), times parsed as JavaScript does.
  (db) => {
    db.exec(`ALTER TABLE outbox ADD COLUMN camera TEXT;
             ALTER TABLE outbox ADD COLUMN path TEXT;       -- segment: the recording (relative to dataDir); file: the clip file
             ALTER TABLE outbox ADD COLUMN from_ms INTEGER; -- event: its start; segment: its start; file: its at
             ALTER TABLE outbox ADD COLUMN to_ms INTEGER;   -- event: its end (or its last at); segment: its end; file: its at`);
    db.function('cctv_iso_ms', { deterministic: true }, (iso: unknown) => (typeof iso === 'string' ? Date.parse(iso) : null));
    db.exec(`UPDATE outbox SET
               camera = json_extract(payload, '$.camera'),
               path = CASE kind WHEN 'event' THEN NULL ELSE json_extract(payload, '$.path') END,
               from_ms = cctv_iso_ms(json_extract(payload, CASE kind WHEN 'file' THEN '$.at' ELSE '$.start' END)),
               to_ms = cctv_iso_ms(CASE kind
                 WHEN 'event' THEN coalesce(json_extract(payload, '$.end'), json_extract(payload, '$.at'))
                 WHEN 'file' THEN json_extract(payload, '$.at')
                 ELSE json_extract(payload, '$.end') END)`);
  },
  // 8: alerting state (src/lib/catalog/alerting.ts): each camera's arm/snooze switch, and the Home Assistant discovery
  // configs published (so a removed camera or entity is removed from Home Assistant on the next start).
  `CREATE TABLE alert_arming (
     camera TEXT PRIMARY KEY,
     armed INTEGER NOT NULL,             -- 1 armed, 0 snoozed
     until_ms INTEGER,                   -- when a snooze ends by itself; null: until armed again
     changed_ms INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE ha_discovery (
     topic TEXT PRIMARY KEY,             -- <discovery prefix>/device/<id>/config
     payload TEXT NOT NULL,              -- the JSON config last published (retained at the broker)
     published_ms INTEGER NOT NULL
   ) WITHOUT ROWID;`,
  // 9: the web app's sign-in (users, their sessions, API tokens for scripts) and the access log (who signed in, who
  // was refused, who watched which footage). Secrets are never stored: passwords as scrypt hashes, session ids and
  // token secrets as their sha256.
  `CREATE TABLE users (
     name TEXT PRIMARY KEY,
     role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
     password_hash TEXT NOT NULL,        -- PHC string: $scrypt$ln=…,r=…,p=…$salt$hash
     source TEXT NOT NULL,               -- cli (cctv user add) | config (serve.auth, kept in step at every start)
     created_ms INTEGER NOT NULL,
     updated_ms INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE sessions (
     id_hash TEXT PRIMARY KEY,           -- sha256 of the cookie's value (base64url)
     family TEXT NOT NULL,               -- one sign-in: every id it rotated through shares this
     user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
     signed_in_ms INTEGER NOT NULL,      -- the sign-in (absolute expiry counts from here)
     seen_ms INTEGER NOT NULL,           -- the last request (idle expiry), written at most once a minute
     issued_ms INTEGER NOT NULL,         -- when this id was issued (rotation counts from here)
     retire_ms INTEGER,                  -- set when rotated: the old id serves requests in flight until then
     address TEXT,
     user_agent TEXT
   ) WITHOUT ROWID;
   CREATE INDEX sessions_family ON sessions(family);
   CREATE INDEX sessions_user ON sessions(user);
   CREATE TABLE api_tokens (
     id TEXT PRIMARY KEY,                -- the public part of the token (cctv_<id>_<secret>)
     name TEXT NOT NULL UNIQUE,
     role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
     secret_hash TEXT NOT NULL,          -- sha256 of the secret part (base64url)
     created_by TEXT NOT NULL,
     created_ms INTEGER NOT NULL,
     expires_ms INTEGER,                 -- null: until revoked
     used_ms INTEGER                     -- the last use, written at most once a minute
   ) WITHOUT ROWID;
   CREATE TABLE access_log (
     id INTEGER PRIMARY KEY,
     at_ms INTEGER NOT NULL,
     action TEXT NOT NULL,               -- sign-in | sign-in-failed | throttled | sign-out | footage | refused | token-created | token-revoked
     principal TEXT,                     -- who (a user, token:<name>, local), or null when nobody was identified
     address TEXT NOT NULL,              -- the client's address (a trusted proxy's report, else the socket's peer)
     method TEXT NOT NULL,
     path TEXT NOT NULL,                 -- the path and query asked for (never a credential)
     status INTEGER NOT NULL,
     detail TEXT                         -- why (a refusal's reason, the user name a failed sign-in gave when it exists)
   );
   CREATE INDEX access_log_at ON access_log(at_ms);`,
  // 10: review marks of the web app, per user (catalog/reviews.ts). An item is an event id or a plain clip's storage key.
  `CREATE TABLE reviews (
     user TEXT NOT NULL,                 -- the web app's user name ('local' without sign-in)
     item TEXT NOT NULL,                 -- events.id, or uploads.key of a plain clip
     reviewed_ms INTEGER NOT NULL,
     PRIMARY KEY (user, item)
   ) WITHOUT ROWID;`,
  // 11 (issue 11): durable work for every stage. `workers`: each running process's random id with its heartbeat, so a
  // claim is taken over when its owner is gone (never by PID: PIDs repeat across containers and reboots), and roles
  // one process holds at a time (the upload drain). The outbox is rebuilt: `owner` is a worker id (TEXT), `queue`
  // says who works an item (upload | analyze | alert), `result` keeps what finished work produced until it is
  // delivered; items are claimed one at a time through a partial index. `alerts`: the one alert of each event,
  // whichever path decides it first (filled from the analyses that alerted). Events keep why they ended, and open
  // events are found through an index (orphans: an event whose end never came).
  `CREATE TABLE workers (
     id TEXT PRIMARY KEY,                -- random, one per process run
     command TEXT NOT NULL,              -- upload | analyze | alert | …
     pid INTEGER NOT NULL,
     host TEXT NOT NULL,                 -- hostname
     machine TEXT NOT NULL,              -- boot id and PID namespace: where the pid can be checked
     role TEXT,                          -- a role only one live worker holds (drain:upload)
     started_ms INTEGER NOT NULL,
     heartbeat_ms INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE UNIQUE INDEX workers_role ON workers(role) WHERE role IS NOT NULL;
   CREATE TABLE outbox_new (
     id INTEGER PRIMARY KEY,
     key TEXT NOT NULL UNIQUE,           -- deterministic work key (event:<id>, file:…, segment:<path>, analysis:<url>, alert:<event key>:<sink>)
     queue TEXT NOT NULL,                -- upload | analyze | alert
     kind TEXT NOT NULL,                 -- event | file | segment (upload), analysis, alert
     priority INTEGER NOT NULL,          -- higher runs first: event clips before continuous backup
     payload TEXT NOT NULL,              -- what the work is about (JSON)
     state TEXT NOT NULL DEFAULT 'pending', -- pending | done | failed | abandoned
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_ms INTEGER NOT NULL,
     last_error TEXT,
     owner TEXT,                         -- workers.id of the process working on it
     claimed_ms INTEGER,
     result TEXT,                        -- JSON of what the finished work produced, kept until it is delivered
     camera TEXT,
     path TEXT,
     from_ms INTEGER,
     to_ms INTEGER,
     created_ms INTEGER NOT NULL,
     updated_ms INTEGER NOT NULL
   );
   INSERT INTO outbox_new (id, key, queue, kind, priority, payload, state, attempts, next_attempt_ms, last_error, camera, path, from_ms, to_ms, created_ms, updated_ms)
     SELECT id, key, 'upload', kind, priority, payload, state, attempts, next_attempt_ms, last_error, camera, path, from_ms, to_ms, created_ms, updated_ms FROM outbox;
   DROP TABLE outbox;
   ALTER TABLE outbox_new RENAME TO outbox;
   CREATE INDEX outbox_claim ON outbox(queue, priority DESC, next_attempt_ms, id) WHERE state = 'pending' AND owner IS NULL;
   CREATE INDEX outbox_state ON outbox(queue, state, next_attempt_ms);
   CREATE INDEX outbox_owner ON outbox(owner) WHERE owner IS NOT NULL;
   CREATE INDEX outbox_finished ON outbox(updated_ms) WHERE state IN ('done', 'abandoned');
   CREATE TABLE alerts (
     event_key TEXT PRIMARY KEY,         -- event id, or the clip URL for clips without an event
     camera TEXT NOT NULL,
     at_ms INTEGER NOT NULL,             -- the alerted clip's start (or the live sighting's time)
     origin TEXT NOT NULL,               -- analysis (issue 12 adds the live path)
     decided_ms INTEGER NOT NULL
   ) WITHOUT ROWID;
   INSERT OR IGNORE INTO alerts SELECT coalesce(event_id, clip_url), camera, start_ms, 'analysis', analyzed_ms FROM analyses WHERE alert = 1;
   ALTER TABLE events ADD COLUMN end_reason TEXT;  -- why the watcher or cctv ended it: max-duration, stopped, orphaned
   CREATE INDEX events_open ON events(camera, start_ms) WHERE end_ms IS NULL;
   CREATE INDEX events_end ON events(end_ms);`,
];
