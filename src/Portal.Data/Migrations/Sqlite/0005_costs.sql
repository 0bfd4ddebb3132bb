-- 0005: cost and finance (issue #6): daily cost facts ingested from Cost Explorer, one row per (date, account,
-- portal:environment-id tag value or '' when untagged, service), and a record of each ingestion run.

CREATE TABLE "CostFacts" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_CostFacts" PRIMARY KEY,
    "Date" TEXT NOT NULL,
    "AccountId" TEXT NOT NULL,
    "EnvironmentTag" TEXT NOT NULL,
    "EnvironmentId" TEXT NULL,
    "TeamId" TEXT NULL,
    "Tier" TEXT NULL,
    "Service" TEXT NOT NULL,
    "UnblendedUsd" REAL NOT NULL,
    "AmortizedUsd" REAL NOT NULL,
    "Estimated" INTEGER NOT NULL,
    "IngestedAt" INTEGER NOT NULL,
    CONSTRAINT "FK_CostFacts_Environments_EnvironmentId" FOREIGN KEY ("EnvironmentId") REFERENCES "Environments" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_CostFacts_Teams_TeamId" FOREIGN KEY ("TeamId") REFERENCES "Teams" ("Id") ON DELETE RESTRICT
);

CREATE TABLE "CostIngestionRuns" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_CostIngestionRuns" PRIMARY KEY,
    "AccountId" TEXT NOT NULL,
    "StartedAt" INTEGER NOT NULL,
    "FinishedAt" INTEGER NULL,
    "FromDate" TEXT NOT NULL,
    "ToDate" TEXT NOT NULL,
    "Calls" INTEGER NOT NULL,
    "Inserted" INTEGER NOT NULL,
    "Updated" INTEGER NOT NULL,
    "Deleted" INTEGER NOT NULL,
    "Status" TEXT NOT NULL,
    "Error" TEXT NULL
);


CREATE UNIQUE INDEX "IX_CostFacts_Date_AccountId_EnvironmentTag_Service" ON "CostFacts" ("Date", "AccountId", "EnvironmentTag", "Service");

CREATE INDEX "IX_CostFacts_EnvironmentId_Date" ON "CostFacts" ("EnvironmentId", "Date");

CREATE INDEX "IX_CostFacts_TeamId_Date" ON "CostFacts" ("TeamId", "Date");

CREATE INDEX "IX_CostIngestionRuns_AccountId_StartedAt" ON "CostIngestionRuns" ("AccountId", "StartedAt");
