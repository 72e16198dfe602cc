-- 0001_init: who changed what through the dashboard or the API
-- (audit.Store). Kept for good: a few rows a day.
CREATE TABLE audit (
	id     INTEGER PRIMARY KEY AUTOINCREMENT,
	time   INTEGER NOT NULL, -- unix ns
	user   TEXT    NOT NULL,
	action TEXT    NOT NULL,
	target TEXT    NOT NULL,
	detail TEXT    NOT NULL
);
