-- 0008: daily cost rollups per (date, account, team, tier, service), rebuilt by ingestion for every window it writes, so
-- organisation-wide cost views read tens of rows per day instead of one per environment and service. Filled from the
-- facts already ingested.

CREATE TABLE "CostDailyRollups" (
    "Id" uuid NOT NULL,
    "Date" date NOT NULL,
    "AccountId" character varying(12) NOT NULL,
    "TeamId" uuid,
    "Tier" character varying(10),
    "Service" character varying(200) NOT NULL,
    "UnblendedUsd" numeric(18,6) NOT NULL,
    "AmortizedUsd" numeric(18,6) NOT NULL,
    CONSTRAINT "PK_CostDailyRollups" PRIMARY KEY ("Id")
);

CREATE INDEX "IX_CostDailyRollups_Date_AccountId" ON "CostDailyRollups" ("Date", "AccountId");

CREATE INDEX "IX_CostDailyRollups_TeamId_Date" ON "CostDailyRollups" ("TeamId", "Date");

INSERT INTO "CostDailyRollups" ("Id", "Date", "AccountId", "TeamId", "Tier", "Service", "UnblendedUsd", "AmortizedUsd")
SELECT gen_random_uuid(), "Date", "AccountId", "TeamId", "Tier", "Service", sum("UnblendedUsd"), sum("AmortizedUsd")
FROM "CostFacts"
GROUP BY "Date", "AccountId", "TeamId", "Tier", "Service";
