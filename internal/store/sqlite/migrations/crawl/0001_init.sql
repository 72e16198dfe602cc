-- The client honeypot: the watch list, judged visits (the cells of the
-- tampering matrix) and each site's known-good baseline.
CREATE TABLE crawl_sites (
	name    TEXT    NOT NULL PRIMARY KEY,
	url     TEXT    NOT NULL UNIQUE,
	profile TEXT    NOT NULL,
	added   INTEGER NOT NULL -- unix nanoseconds
);

-- One row per capture. site and day are '' for one-off scans; a watched
-- site has at most one visit per day (a re-run of the day replaces it).
CREATE TABLE crawl_visits (
	capture_id TEXT    NOT NULL PRIMARY KEY,
	site       TEXT    NOT NULL,
	day        TEXT    NOT NULL, -- YYYY-MM-DD
	time       INTEGER NOT NULL, -- unix nanoseconds
	verdict    TEXT    NOT NULL,
	score      REAL    NOT NULL,
	capture    TEXT    NOT NULL, -- JSON of crawl.Capture, without bodies
	judgment   TEXT    NOT NULL  -- JSON of crawl.Verdict
);
CREATE UNIQUE INDEX crawl_visits_site_day ON crawl_visits (site, day) WHERE site <> '' AND day <> '';
CREATE INDEX crawl_visits_day ON crawl_visits (day, site);

CREATE TABLE crawl_baselines (
	site     TEXT    NOT NULL PRIMARY KEY,
	baseline TEXT    NOT NULL, -- JSON of crawl.Baseline
	updated  INTEGER NOT NULL
);
