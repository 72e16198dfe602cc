-- 0001_init: events, the sessions derived from them, and dead letters.
-- Times are unix nanoseconds (UTC) so that they sort and compare as integers.

-- events keeps every observation once; data is the full event JSON, the
-- other columns only exist to be filtered and sorted on.
CREATE TABLE events (
	id       TEXT    NOT NULL PRIMARY KEY,
	time     INTEGER NOT NULL,
	kind     TEXT    NOT NULL,
	sensor   TEXT    NOT NULL,
	proto    TEXT    NOT NULL,
	src_ip   TEXT    NOT NULL,
	src_port INTEGER NOT NULL,
	dst_port INTEGER NOT NULL,
	session  TEXT    NOT NULL,
	family   TEXT    NOT NULL,
	data     TEXT    NOT NULL
);

-- One index per filter of store.EventFilter, each ending in time so that
-- "newest first" walks the index backwards; ties on time are sorted by id
-- without a full sort (SQLite sorts only the right part of the ORDER BY).
CREATE INDEX events_time    ON events (time);
CREATE INDEX events_kind    ON events (kind, time);
CREATE INDEX events_family  ON events (family, time);
CREATE INDEX events_src_ip  ON events (src_ip, time);
CREATE INDEX events_session ON events (session, time);

-- sessions is derived from events inside the same transaction that inserts
-- them. Until the session.connect event is seen (connected = 0) the common
-- fields and start come from the earliest event seen.
--
-- Family has two sources: attributions (session.attributed, and
-- session.closed carrying a family), where the latest attribution by event
-- time wins (attributed_ns); and, while there is no attribution, the family
-- carried by ordinary events, where the latest of those wins (family_ns).
CREATE TABLE sessions (
	id            TEXT    NOT NULL PRIMARY KEY,
	sensor        TEXT    NOT NULL,
	proto         TEXT    NOT NULL,
	src_ip        TEXT    NOT NULL,
	src_port      INTEGER NOT NULL,
	dst_port      INTEGER NOT NULL,
	start_ns      INTEGER NOT NULL,
	end_ns        INTEGER,
	connected     INTEGER NOT NULL DEFAULT 0,
	family        TEXT    NOT NULL DEFAULT '',
	reasons       TEXT    NOT NULL DEFAULT '[]', -- JSON array of strings
	attributed_ns INTEGER,
	family_ns     INTEGER
);

-- DailyStats scans sessions by start time.
CREATE INDEX sessions_start ON sessions (start_ns);

-- dead_letters keeps bus messages that could not be decoded, as received.
CREATE TABLE dead_letters (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	time    INTEGER NOT NULL,
	subject TEXT    NOT NULL,
	data    BLOB,
	reason  TEXT    NOT NULL
);
