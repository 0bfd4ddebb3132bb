-- 0007: finance dashboards (issue #6): date-range scans by team (SQLite has no INCLUDE; the key columns only).

CREATE INDEX "IX_CostFacts_Date_TeamId" ON "CostFacts" ("Date", "TeamId");
