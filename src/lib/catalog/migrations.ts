/**
 * Schema migrations, applied in order; `PRAGMA user_version` is the number applied. Never edit a released
 * migration: append a new one. Times are integer milliseconds since the epoch (UTC).
 */
export const migrations: string[] = [
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
];
