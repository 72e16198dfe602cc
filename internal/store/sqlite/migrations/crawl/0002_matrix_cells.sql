-- 0002_matrix_cells: the dashboard's matrix (VisitCells) reads every cell
-- of a period from this covering index, without touching the rows (which
-- hold whole captures); only the few cells that are not clean are read
-- from the table.
CREATE INDEX crawl_visits_cells ON crawl_visits (day, site, verdict, score, capture_id) WHERE site <> '';
