-- 0020 (issue #18): each per-environment day carries its month-to-date total — the environment's unblended cost in that
-- account from the 1st of the month up to and including the day — kept by ingestion (CostRollups) with the days. A range
-- inside one month is then MTD(to) − MTD(from − 1), so a per-environment view reads at most one day row per environment per
-- month edge (the latest on or before the edge day: a day without cost has no row) instead of every edge day (ADR 0009).
-- Both indexes carry the new column so the edge rows are read from an index alone. Backfilled from the existing days.

ALTER TABLE "CostEnvironmentDays" ADD COLUMN "MonthToDateUnblendedUsd" numeric(18,6) NOT NULL DEFAULT 0;

UPDATE "CostEnvironmentDays" d SET "MonthToDateUnblendedUsd" = r.mtd
FROM (
    SELECT "EnvironmentId", "Date", "AccountId",
        sum("UnblendedUsd") OVER (PARTITION BY "EnvironmentId", "AccountId", date_trunc('month', "Date") ORDER BY "Date") AS mtd
    FROM "CostEnvironmentDays"
) r
WHERE d."EnvironmentId" = r."EnvironmentId" AND d."Date" = r."Date" AND d."AccountId" = r."AccountId";

ALTER TABLE "CostEnvironmentDays" ALTER COLUMN "MonthToDateUnblendedUsd" DROP DEFAULT;

DROP INDEX "IX_CostEnvironmentDays_EnvironmentId_Date_AccountId";

CREATE UNIQUE INDEX "IX_CostEnvironmentDays_EnvironmentId_Date_AccountId" ON "CostEnvironmentDays" ("EnvironmentId", "Date", "AccountId") INCLUDE ("TeamId", "Tier", "UnblendedUsd", "MonthToDateUnblendedUsd");

DROP INDEX "IX_CostEnvironmentDays_Date";

CREATE INDEX "IX_CostEnvironmentDays_Date" ON "CostEnvironmentDays" ("Date") INCLUDE ("EnvironmentId", "AccountId", "TeamId", "Tier", "UnblendedUsd", "MonthToDateUnblendedUsd");
