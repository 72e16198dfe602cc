-- 0006_distinct_sources: distinct source addresses per day over every
-- family and port, per day and family (over its ports), and per day and port
-- (over its families). rollup_sessions keeps distinct sources per (day,
-- family, port) only, and adding those up counted an address that attacked
-- three ports three times (store.DailySources). Each is a rollup as
-- rollupTables writes it: totals, and members (sessions per source) so that
-- a source leaves a bucket when its last session moves out. Written in the
-- transaction that writes rollup_sessions, from the same moves.

CREATE TABLE rollup_days (
	day      TEXT    NOT NULL,
	sessions INTEGER NOT NULL,
	sources  INTEGER NOT NULL,
	PRIMARY KEY (day)
) WITHOUT ROWID;
CREATE TABLE rollup_day_sources (
	day      TEXT    NOT NULL,
	src_ip   TEXT    NOT NULL,
	sessions INTEGER NOT NULL,
	PRIMARY KEY (day, src_ip)
) WITHOUT ROWID;
CREATE INDEX rollup_day_sources_zero ON rollup_day_sources (day) WHERE sessions = 0;

CREATE TABLE rollup_families (
	day      TEXT    NOT NULL,
	family   TEXT    NOT NULL,
	sessions INTEGER NOT NULL,
	sources  INTEGER NOT NULL,
	PRIMARY KEY (day, family)
) WITHOUT ROWID;
CREATE TABLE rollup_family_sources (
	day      TEXT    NOT NULL,
	family   TEXT    NOT NULL,
	src_ip   TEXT    NOT NULL,
	sessions INTEGER NOT NULL,
	PRIMARY KEY (day, family, src_ip)
) WITHOUT ROWID;
CREATE INDEX rollup_family_sources_zero ON rollup_family_sources (day) WHERE sessions = 0;

CREATE TABLE rollup_ports (
	day      TEXT    NOT NULL,
	dst_port INTEGER NOT NULL,
	sessions INTEGER NOT NULL,
	sources  INTEGER NOT NULL,
	PRIMARY KEY (day, dst_port)
) WITHOUT ROWID;
CREATE TABLE rollup_port_sources (
	day      TEXT    NOT NULL,
	dst_port INTEGER NOT NULL,
	src_ip   TEXT    NOT NULL,
	sessions INTEGER NOT NULL,
	PRIMARY KEY (day, dst_port, src_ip)
) WITHOUT ROWID;
CREATE INDEX rollup_port_sources_zero ON rollup_port_sources (day) WHERE sessions = 0;

-- Backfill from the sessions rollup's members, which hold every session
-- counted so far by (day, family, port, source).
INSERT INTO rollup_day_sources (day, src_ip, sessions)
SELECT day, src_ip, sum(sessions) FROM rollup_session_sources GROUP BY day, src_ip;
INSERT INTO rollup_days (day, sessions, sources)
SELECT day, sum(sessions), count(*) FROM rollup_day_sources GROUP BY day;

INSERT INTO rollup_family_sources (day, family, src_ip, sessions)
SELECT day, family, src_ip, sum(sessions) FROM rollup_session_sources GROUP BY day, family, src_ip;
INSERT INTO rollup_families (day, family, sessions, sources)
SELECT day, family, sum(sessions), count(*) FROM rollup_family_sources GROUP BY day, family;

INSERT INTO rollup_port_sources (day, dst_port, src_ip, sessions)
SELECT day, dst_port, src_ip, sum(sessions) FROM rollup_session_sources GROUP BY day, dst_port, src_ip;
INSERT INTO rollup_ports (day, dst_port, sessions, sources)
SELECT day, dst_port, sum(sessions), count(*) FROM rollup_port_sources GROUP BY day, dst_port;
