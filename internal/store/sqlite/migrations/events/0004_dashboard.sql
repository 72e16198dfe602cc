-- 0004_dashboard: what the dashboard and reports read besides the sessions
-- rollup, kept per day so that no page scans raw events.

-- Login attempts per UTC day and credential pair (store.TopCredentials),
-- counted from login.success and login.failed events in the transaction
-- that inserts them. A login without a password counts under ''. distinct_n
-- stays 0: this rollup counts no members (see rollupTables).
CREATE TABLE rollup_credentials (
	day        TEXT    NOT NULL,
	username   TEXT    NOT NULL,
	password   TEXT    NOT NULL,
	attempts   INTEGER NOT NULL,
	distinct_n INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (day, username, password)
) WITHOUT ROWID;

-- Every payload URL asked for (file.download) with first and last seen
-- (unix ns) and how often (store.PayloadURLs, store.NewPayloadURLs).
CREATE TABLE payload_urls (
	url      TEXT    NOT NULL PRIMARY KEY,
	first_ns INTEGER NOT NULL,
	last_ns  INTEGER NOT NULL,
	count    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX payload_urls_first ON payload_urls (first_ns);
CREATE INDEX payload_urls_last ON payload_urls (last_ns);

-- Backfill from the events stored before this migration. Days as in
-- 0002_rollups (floor division, as Go's time.Unix).
INSERT INTO rollup_credentials (day, username, password, attempts)
SELECT strftime('%Y-%m-%d', (time - (((time % 1000000000) + 1000000000) % 1000000000)) / 1000000000, 'unixepoch'),
	coalesce(json_extract(data, '$.username'), ''), coalesce(json_extract(data, '$.password'), ''), count(*)
FROM events WHERE kind IN ('login.success', 'login.failed')
GROUP BY 1, 2, 3;

INSERT INTO payload_urls (url, first_ns, last_ns, count)
SELECT substr(json_extract(data, '$.url'), 1, 2048), min(time), max(time), count(*)
FROM events WHERE kind = 'file.download' AND coalesce(json_extract(data, '$.url'), '') <> ''
GROUP BY 1;
