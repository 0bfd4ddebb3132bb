-- 0008: daily cost rollups per (date, account, team, tier, service), rebuilt by ingestion for every window it writes, so
-- organisation-wide cost views read tens of rows per day instead of one per environment and service. Filled from the
-- facts already ingested (amounts are REAL on SQLite).

CREATE TABLE "CostDailyRollups" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_CostDailyRollups" PRIMARY KEY,
    "Date" TEXT NOT NULL,
    "AccountId" TEXT NOT NULL,
    "TeamId" TEXT NULL,
    "Tier" TEXT NULL,
    "Service" TEXT NOT NULL,
    "UnblendedUsd" REAL NOT NULL,
    "AmortizedUsd" REAL NOT NULL
);

CREATE INDEX "IX_CostDailyRollups_Date_AccountId" ON "CostDailyRollups" ("Date", "AccountId");

CREATE INDEX "IX_CostDailyRollups_TeamId_Date" ON "CostDailyRollups" ("TeamId", "Date");

INSERT INTO "CostDailyRollups" ("Id", "Date", "AccountId", "TeamId", "Tier", "Service", "UnblendedUsd", "AmortizedUsd")
SELECT upper(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89AB', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
    "Date", "AccountId", "TeamId", "Tier", "Service", sum("UnblendedUsd"), sum("AmortizedUsd")
FROM "CostFacts"
GROUP BY "Date", "AccountId", "TeamId", "Tier", "Service";
