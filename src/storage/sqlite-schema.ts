// Schema and SQL of SqliteStore (kine-like). See README.md for the model.
//
//   log      one row per write; revision = the global revision (INTEGER PRIMARY KEY, so
//            rows are stored in revision order). A delete row has deleted = 1 and keeps
//            the deleted value and create_revision (the watch event's prev).
//            prev_revision points at the key's previous row (NULL for a create), which
//            gives watch events their prev value and makes compaction O(new rows).
//   current  key → revision of its live row; maintained in the same transaction as log,
//            so get/list/count at the current revision never scan history.
//   meta     'revision': current revision as of the last compaction (the newest write
//            may be a tombstone that compaction removed); 'compacted': compaction point.
//
// Key ranges are `key >= lo AND key < hi` on a b-tree (never LIKE). An unbounded upper
// end is passed as a BLOB: SQLite orders every TEXT value before every BLOB.

export const SCHEMA_VERSION = 1;

export const CREATE_SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  revision        INTEGER PRIMARY KEY,
  key             TEXT    NOT NULL,
  value           TEXT    NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision   INTEGER,
  deleted         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision);
CREATE TABLE IF NOT EXISTS current (
  key      TEXT PRIMARY KEY,
  revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

export const SQL = {
  getCurrent: `SELECT l.revision, l.value, l.create_revision
    FROM current c JOIN log l ON l.revision = c.revision WHERE c.key = ?`,
  insertLog: `INSERT INTO log (revision, key, value, create_revision, prev_revision, deleted)
    VALUES (?, ?, ?, ?, ?, ?)`,
  insertCurrent: `INSERT INTO current (key, revision) VALUES (?, ?)`,
  updateCurrent: `UPDATE current SET revision = ? WHERE key = ?`,
  deleteCurrent: `DELETE FROM current WHERE key = ?`,

  // Current revision: one b-tree walk over `current`, one PK lookup per item.
  listCurrentFrom: `SELECT c.key, l.value, l.create_revision, c.revision
    FROM current c JOIN log l ON l.revision = c.revision
    WHERE c.key >= ? AND c.key < ? ORDER BY c.key LIMIT ?`,
  listCurrentAfter: `SELECT c.key, l.value, l.create_revision, c.revision
    FROM current c JOIN log l ON l.revision = c.revision
    WHERE c.key > ? AND c.key < ? ORDER BY c.key LIMIT ?`,
  countCurrentFrom: `SELECT count(*) FROM current WHERE key >= ? AND key < ?`,
  countCurrentAfter: `SELECT count(*) FROM current WHERE key > ? AND key < ?`,

  // Older revision R: per key the newest row <= R, unless it is a tombstone. SQLite takes
  // the bare columns of a max() aggregate from the row holding the max; the GROUP BY walks
  // log_key_revision in key order, so ORDER BY + LIMIT stream without a sort.
  listAtFrom: `SELECT key, value, create_revision, max(revision) AS revision, deleted FROM log
    WHERE key >= ? AND key < ? AND revision <= ?
    GROUP BY key HAVING deleted = 0 ORDER BY key LIMIT ?`,
  listAtAfter: `SELECT key, value, create_revision, max(revision) AS revision, deleted FROM log
    WHERE key > ? AND key < ? AND revision <= ?
    GROUP BY key HAVING deleted = 0 ORDER BY key LIMIT ?`,
  countAtAfter: `SELECT count(*) FROM
    (SELECT max(revision), deleted FROM log
     WHERE key > ? AND key < ? AND revision <= ? GROUP BY key HAVING deleted = 0)`,

  // Watch replay walks the log in revision order; "+l.key" keeps the planner on the
  // primary key (replays normally start near the head of the log).
  history: `SELECT l.revision, l.key, l.value, l.create_revision, l.prev_revision, l.deleted,
      p.value AS prev_value, p.create_revision AS prev_create_revision
    FROM log l LEFT JOIN log p ON p.revision = l.prev_revision
    WHERE l.revision > ? AND +l.key >= ? AND +l.key < ?
    ORDER BY l.revision LIMIT ?`,

  // Compaction of (from, to]: every row superseded by a row in the range is that row's
  // prev (prev_revision chains each key's rows), and tombstones in the range go too.
  // Rows <= from were already compacted, so this keeps, per key, the newest row <= to
  // unless it is a tombstone - exactly what reads at revisions > to need.
  compactSuperseded: `DELETE FROM log WHERE revision IN
    (SELECT prev_revision FROM log
     WHERE revision > ? AND revision <= ? AND prev_revision IS NOT NULL)`,
  compactTombstones: `DELETE FROM log WHERE revision > ? AND revision <= ? AND deleted = 1`,
  setMeta: `INSERT INTO meta (name, value) VALUES (?, ?)
    ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
  getMeta: `SELECT value FROM meta WHERE name = ?`,
  maxRevision: `SELECT max(revision) FROM log`,
} as const;

export interface CurrentRow {
  revision: number;
  value: string;
  create_revision: number;
}

export interface ListRow {
  key: string;
  value: string;
  create_revision: number;
  revision: number;
}

export interface HistoryRow {
  revision: number;
  key: string;
  value: string;
  create_revision: number;
  prev_revision: number | null;
  deleted: number;
  prev_value: string | null;
  prev_create_revision: number | null;
}
