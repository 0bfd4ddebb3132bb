-- 0007: finance dashboards (issue #6): organisation-wide scans of a date range group by team, tier, environment, account and
-- service; this index carries all of them and the amount, so PostgreSQL answers from the index alone (index-only scan).

CREATE INDEX "IX_CostFacts_Date_TeamId" ON "CostFacts" ("Date", "TeamId") INCLUDE ("Tier", "EnvironmentId", "AccountId", "Service", "UnblendedUsd");
