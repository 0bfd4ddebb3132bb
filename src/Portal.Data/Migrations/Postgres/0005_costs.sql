-- 0005: cost and finance (issue #6): daily cost facts ingested from Cost Explorer, one row per (date, account,
-- portal:environment-id tag value or '' when untagged, service), and a record of each ingestion run.

CREATE TABLE "CostFacts" (
    "Id" uuid NOT NULL,
    "Date" date NOT NULL,
    "AccountId" character varying(12) NOT NULL,
    "EnvironmentTag" character varying(256) NOT NULL,
    "EnvironmentId" uuid,
    "TeamId" uuid,
    "Tier" character varying(10),
    "Service" character varying(200) NOT NULL,
    "UnblendedUsd" numeric(18,6) NOT NULL,
    "AmortizedUsd" numeric(18,6) NOT NULL,
    "Estimated" boolean NOT NULL,
    "IngestedAt" timestamp with time zone NOT NULL,
    CONSTRAINT "PK_CostFacts" PRIMARY KEY ("Id"),
    CONSTRAINT "FK_CostFacts_Environments_EnvironmentId" FOREIGN KEY ("EnvironmentId") REFERENCES "Environments" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_CostFacts_Teams_TeamId" FOREIGN KEY ("TeamId") REFERENCES "Teams" ("Id") ON DELETE RESTRICT
);

CREATE TABLE "CostIngestionRuns" (
    "Id" uuid NOT NULL,
    "AccountId" character varying(12) NOT NULL,
    "StartedAt" timestamp with time zone NOT NULL,
    "FinishedAt" timestamp with time zone,
    "FromDate" date NOT NULL,
    "ToDate" date NOT NULL,
    "Calls" integer NOT NULL,
    "Inserted" integer NOT NULL,
    "Updated" integer NOT NULL,
    "Deleted" integer NOT NULL,
    "Status" character varying(20) NOT NULL,
    "Error" character varying(2000),
    CONSTRAINT "PK_CostIngestionRuns" PRIMARY KEY ("Id")
);


CREATE UNIQUE INDEX "IX_CostFacts_Date_AccountId_EnvironmentTag_Service" ON "CostFacts" ("Date", "AccountId", "EnvironmentTag", "Service");

CREATE INDEX "IX_CostFacts_EnvironmentId_Date" ON "CostFacts" ("EnvironmentId", "Date");

CREATE INDEX "IX_CostFacts_TeamId_Date" ON "CostFacts" ("TeamId", "Date");

CREATE INDEX "IX_CostIngestionRuns_AccountId_StartedAt" ON "CostIngestionRuns" ("AccountId", "StartedAt");
