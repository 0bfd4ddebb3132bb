-- 0009: rollups for per-environment and month-by-month cost views, rebuilt by ingestion with the daily rollups (ADR 0009):
-- per environment and day (all services), per environment and month, and per month, account, team, tier and service. A
-- partial index serves unallocated spend by date. Filled from the facts already ingested (amounts are REAL on SQLite).

CREATE TABLE "CostMonthlyRollups" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_CostMonthlyRollups" PRIMARY KEY,
    "Month" TEXT NOT NULL,
    "AccountId" TEXT NOT NULL,
    "TeamId" TEXT NULL,
    "Tier" TEXT NULL,
    "Service" TEXT NOT NULL,
    "UnblendedUsd" REAL NOT NULL,
    "AmortizedUsd" REAL NOT NULL
);

CREATE INDEX "IX_CostMonthlyRollups_Month_AccountId" ON "CostMonthlyRollups" ("Month", "AccountId");

CREATE TABLE "CostEnvironmentDays" (
    "Date" TEXT NOT NULL,
    "AccountId" TEXT NOT NULL,
    "EnvironmentId" TEXT NOT NULL,
    "TeamId" TEXT NOT NULL,
    "Tier" TEXT NOT NULL,
    "UnblendedUsd" REAL NOT NULL,
    "AmortizedUsd" REAL NOT NULL
);

CREATE UNIQUE INDEX "IX_CostEnvironmentDays_EnvironmentId_Date_AccountId" ON "CostEnvironmentDays" ("EnvironmentId", "Date", "AccountId");

CREATE INDEX "IX_CostEnvironmentDays_Date" ON "CostEnvironmentDays" ("Date");

CREATE TABLE "CostEnvironmentMonths" (
    "Month" TEXT NOT NULL,
    "AccountId" TEXT NOT NULL,
    "EnvironmentId" TEXT NOT NULL,
    "TeamId" TEXT NOT NULL,
    "Tier" TEXT NOT NULL,
    "UnblendedUsd" REAL NOT NULL,
    "AmortizedUsd" REAL NOT NULL
);

CREATE UNIQUE INDEX "IX_CostEnvironmentMonths_EnvironmentId_Month_AccountId" ON "CostEnvironmentMonths" ("EnvironmentId", "Month", "AccountId");

CREATE INDEX "IX_CostEnvironmentMonths_Month" ON "CostEnvironmentMonths" ("Month");

CREATE INDEX "IX_CostFacts_Date_Unallocated" ON "CostFacts" ("Date") WHERE "EnvironmentId" IS NULL;

INSERT INTO "CostEnvironmentDays" ("Date", "AccountId", "EnvironmentId", "TeamId", "Tier", "UnblendedUsd", "AmortizedUsd")
SELECT "Date", "AccountId", "EnvironmentId", "TeamId", "Tier", round(sum("UnblendedUsd"), 6), round(sum("AmortizedUsd"), 6)
FROM "CostFacts" WHERE "EnvironmentId" IS NOT NULL
GROUP BY "Date", "AccountId", "EnvironmentId", "TeamId", "Tier";

INSERT INTO "CostEnvironmentMonths" ("Month", "AccountId", "EnvironmentId", "TeamId", "Tier", "UnblendedUsd", "AmortizedUsd")
SELECT strftime('%Y-%m-01', "Date"), "AccountId", "EnvironmentId", "TeamId", "Tier", round(sum("UnblendedUsd"), 6), round(sum("AmortizedUsd"), 6)
FROM "CostEnvironmentDays"
GROUP BY strftime('%Y-%m-01', "Date"), "AccountId", "EnvironmentId", "TeamId", "Tier";

INSERT INTO "CostMonthlyRollups" ("Id", "Month", "AccountId", "TeamId", "Tier", "Service", "UnblendedUsd", "AmortizedUsd")
SELECT upper(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89AB', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
    strftime('%Y-%m-01', "Date"), "AccountId", "TeamId", "Tier", "Service", round(sum("UnblendedUsd"), 6), round(sum("AmortizedUsd"), 6)
FROM "CostDailyRollups"
GROUP BY strftime('%Y-%m-01', "Date"), "AccountId", "TeamId", "Tier", "Service";
