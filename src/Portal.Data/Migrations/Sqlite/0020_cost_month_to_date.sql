-- 0020 (issue #18): each per-environment day carries its month-to-date total (the environment's unblended cost in that
-- account from the 1st of the month up to and including the day), kept by ingestion with the days; see the PostgreSQL
-- migration. SQLite cannot add a NOT NULL column without a default, so the table is rebuilt with the totals computed.

CREATE TABLE "CostEnvironmentDays_0020" (
    "Date" TEXT NOT NULL,
    "AccountId" TEXT NOT NULL,
    "EnvironmentId" TEXT NOT NULL,
    "TeamId" TEXT NOT NULL,
    "Tier" TEXT NOT NULL,
    "UnblendedUsd" REAL NOT NULL,
    "AmortizedUsd" REAL NOT NULL,
    "MonthToDateUnblendedUsd" REAL NOT NULL
);

INSERT INTO "CostEnvironmentDays_0020" ("Date", "AccountId", "EnvironmentId", "TeamId", "Tier", "UnblendedUsd", "AmortizedUsd", "MonthToDateUnblendedUsd")
SELECT "Date", "AccountId", "EnvironmentId", "TeamId", "Tier", "UnblendedUsd", "AmortizedUsd",
    round(sum("UnblendedUsd") OVER (PARTITION BY "EnvironmentId", "AccountId", strftime('%Y-%m-01', "Date") ORDER BY "Date"), 6)
FROM "CostEnvironmentDays";

DROP TABLE "CostEnvironmentDays";

ALTER TABLE "CostEnvironmentDays_0020" RENAME TO "CostEnvironmentDays";

CREATE UNIQUE INDEX "IX_CostEnvironmentDays_EnvironmentId_Date_AccountId" ON "CostEnvironmentDays" ("EnvironmentId", "Date", "AccountId");

CREATE INDEX "IX_CostEnvironmentDays_Date" ON "CostEnvironmentDays" ("Date");
