-- 0002_rollups: the sessions rollup, reasons kept apart from the family,
-- and a backfill from the sessions already derived from stored events.

-- Reasons are those of the latest attribution that gave any (reasons_ns),
-- shown while the session's family is still theirs (reasons_family); see
-- store.SessionState. A row written before kept the reasons it showed, so
-- they were given by its winning attribution.
ALTER TABLE sessions ADD COLUMN reasons_family TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN reasons_ns     INTEGER;
UPDATE sessions SET reasons_family = family, reasons_ns = attributed_ns
	WHERE reasons <> '[]' AND attributed_ns IS NOT NULL;

-- DailyStats reads the rollup now, not sessions by start.
DROP INDEX sessions_start;

-- The sessions rollup (store.CountSession): per UTC day of the session's
-- start, family ('unknown' when none) and destination port, the number of
-- sessions and of distinct source addresses. rollup_session_sources holds
-- the sessions per source, so that a source leaves a bucket when its last
-- session moves out. Written in the same transaction as the events.
CREATE TABLE rollup_sessions (
	day      TEXT    NOT NULL, -- YYYY-MM-DD
	family   TEXT    NOT NULL,
	dst_port INTEGER NOT NULL,
	sessions INTEGER NOT NULL,
	sources  INTEGER NOT NULL,
	PRIMARY KEY (day, family, dst_port)
) WITHOUT ROWID;

CREATE TABLE rollup_session_sources (
	day      TEXT    NOT NULL,
	family   TEXT    NOT NULL,
	dst_port INTEGER NOT NULL,
	src_ip   TEXT    NOT NULL,
	sessions INTEGER NOT NULL,
	PRIMARY KEY (day, family, dst_port, src_ip)
) WITHOUT ROWID;

-- A source whose last session left a bucket is at zero until the end of
-- the transaction, which deletes it through this index (rollupTables.apply).
CREATE INDEX rollup_session_sources_zero ON rollup_session_sources (day) WHERE sessions = 0;

-- Backfill. The day is that of floor(start_ns / 1e9) seconds, as Go's
-- time.Unix computes it (SQLite's integer division truncates towards zero).
INSERT INTO rollup_session_sources (day, family, dst_port, src_ip, sessions)
SELECT strftime('%Y-%m-%d', (start_ns - (((start_ns % 1000000000) + 1000000000) % 1000000000)) / 1000000000, 'unixepoch'),
	CASE WHEN family = '' THEN 'unknown' ELSE family END,
	dst_port, src_ip, count(*)
FROM sessions
GROUP BY 1, 2, 3, 4;

INSERT INTO rollup_sessions (day, family, dst_port, sessions, sources)
SELECT day, family, dst_port, sum(sessions), count(*)
FROM rollup_session_sources
GROUP BY day, family, dst_port;
