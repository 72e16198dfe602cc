-- 0001_init: signed-in dashboard browsers (signin.Store), so that a
-- restart signs nobody out. Only the SHA-256 of the browser's secret is
-- kept. A few rows per configured user (the dashboard keeps at most 20
-- each); expired rows go when the dashboard loads them.
CREATE TABLE signin_sessions (
	id      TEXT    NOT NULL PRIMARY KEY, -- hex sha256 of the cookie's secret
	user    TEXT    NOT NULL,
	role    TEXT    NOT NULL,
	cred    TEXT    NOT NULL,
	created INTEGER NOT NULL, -- unix ns
	expires INTEGER NOT NULL  -- unix ns
) WITHOUT ROWID;
