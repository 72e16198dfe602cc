-- 0002_search_indexes: the dashboard's and the API's intel search by two
-- fields at once (ListIndicators: equality on each, in id order). With
-- only the one-field indexes, a pair that matches few rows (a category
-- from a source that has none of it) made SQLite walk every row of one
-- field: 0.5 s over 1,000,000 indicators (docs/performance-dashboard.md,
-- Stop 6). Each pair's index also serves the three fields together, the
-- third checked on the rows the pair leaves.
CREATE INDEX intel_indicators_category_source ON intel_indicators (category, source);
CREATE INDEX intel_indicators_type_category ON intel_indicators (type, category);
CREATE INDEX intel_indicators_type_source ON intel_indicators (type, source);
