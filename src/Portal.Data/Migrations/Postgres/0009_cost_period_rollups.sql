-- 0009: rollups for per-environment and month-by-month cost views, rebuilt by ingestion with the daily rollups (ADR 0009):
-- per environment and day (all services), per environment and month, and per month, account, team, tier and service. A range
-- is read as its whole months plus (or minus) its edge days, so a 30-day view reads two rows per environment, not ninety.
-- A partial index serves unallocated spend by date. Filled from the facts already ingested.

CREATE TABLE "CostMonthlyRollups" (
    "Id" uuid NOT NULL,
    "Month" date NOT NULL,
    "AccountId" character varying(12) NOT NULL,
    "TeamId" uuid,
    "Tier" character varying(10),
    "Service" character varying(200) NOT NULL,
    "UnblendedUsd" numeric(18,6) NOT NULL,
    "AmortizedUsd" numeric(18,6) NOT NULL,
    CONSTRAINT "PK_CostMonthlyRollups" PRIMARY KEY ("Id")
);

CREATE INDEX "IX_CostMonthlyRollups_Month_AccountId" ON "CostMonthlyRollups" ("Month", "AccountId");

CREATE TABLE "CostEnvironmentDays" (
    "Date" date NOT NULL,
    "AccountId" character varying(12) NOT NULL,
    "EnvironmentId" uuid NOT NULL,
    "TeamId" uuid NOT NULL,
    "Tier" character varying(10) NOT NULL,
    "UnblendedUsd" numeric(18,6) NOT NULL,
    "AmortizedUsd" numeric(18,6) NOT NULL
);

CREATE UNIQUE INDEX "IX_CostEnvironmentDays_EnvironmentId_Date_AccountId" ON "CostEnvironmentDays" ("EnvironmentId", "Date", "AccountId") INCLUDE ("TeamId", "Tier", "UnblendedUsd");

CREATE INDEX "IX_CostEnvironmentDays_Date" ON "CostEnvironmentDays" ("Date") INCLUDE ("EnvironmentId", "AccountId", "TeamId", "Tier", "UnblendedUsd");

CREATE TABLE "CostEnvironmentMonths" (
    "Month" date NOT NULL,
    "AccountId" character varying(12) NOT NULL,
    "EnvironmentId" uuid NOT NULL,
    "TeamId" uuid NOT NULL,
    "Tier" character varying(10) NOT NULL,
    "UnblendedUsd" numeric(18,6) NOT NULL,
    "AmortizedUsd" numeric(18,6) NOT NULL
);

CREATE UNIQUE INDEX "IX_CostEnvironmentMonths_EnvironmentId_Month_AccountId" ON "CostEnvironmentMonths" ("EnvironmentId", "Month", "AccountId");

CREATE INDEX "IX_CostEnvironmentMonths_Month" ON "CostEnvironmentMonths" ("Month") INCLUDE ("EnvironmentId", "AccountId", "TeamId", "Tier", "UnblendedUsd");

CREATE INDEX "IX_CostFacts_Date_Unallocated" ON "CostFacts" ("Date") INCLUDE ("AccountId", "EnvironmentTag", "UnblendedUsd") WHERE "EnvironmentId" IS NULL;

INSERT INTO "CostEnvironmentDays" ("Date", "AccountId", "EnvironmentId", "TeamId", "Tier", "UnblendedUsd", "AmortizedUsd")
SELECT "Date", "AccountId", "EnvironmentId", "TeamId", "Tier", sum("UnblendedUsd"), sum("AmortizedUsd")
FROM "CostFacts" WHERE "EnvironmentId" IS NOT NULL
GROUP BY "Date", "AccountId", "EnvironmentId", "TeamId", "Tier";

INSERT INTO "CostEnvironmentMonths" ("Month", "AccountId", "EnvironmentId", "TeamId", "Tier", "UnblendedUsd", "AmortizedUsd")
SELECT date_trunc('month', "Date")::date, "AccountId", "EnvironmentId", "TeamId", "Tier", sum("UnblendedUsd"), sum("AmortizedUsd")
FROM "CostEnvironmentDays"
GROUP BY date_trunc('month', "Date")::date, "AccountId", "EnvironmentId", "TeamId", "Tier";

INSERT INTO "CostMonthlyRollups" ("Id", "Month", "AccountId", "TeamId", "Tier", "Service", "UnblendedUsd", "AmortizedUsd")
SELECT gen_random_uuid(), date_trunc('month', "Date")::date, "AccountId", "TeamId", "Tier", "Service", sum("UnblendedUsd"), sum("AmortizedUsd")
FROM "CostDailyRollups"
GROUP BY date_trunc('month', "Date")::date, "AccountId", "TeamId", "Tier", "Service";
