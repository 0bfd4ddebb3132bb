-- 0006: budgets, alerts, anomalies and cost allocation tags (issue #6): the organisation's total monthly budget (one row),
-- budget alerts raised once per (scope, month, kind), cost anomalies once per (scope, date) with their acknowledgement,
-- and the last check of each of Portal's cost allocation tags per account.

CREATE TABLE "OrganisationBudgets" (
    "Id" integer NOT NULL,
    "MonthlyBudgetUsd" numeric(18,2) NOT NULL,
    "UpdatedAt" timestamp with time zone NOT NULL,
    CONSTRAINT "PK_OrganisationBudgets" PRIMARY KEY ("Id")
);

CREATE TABLE "BudgetAlerts" (
    "Id" uuid NOT NULL,
    "Scope" character varying(60) NOT NULL,
    "TeamId" uuid,
    "Month" date NOT NULL,
    "Kind" character varying(20) NOT NULL,
    "BudgetUsd" numeric(18,2) NOT NULL,
    "ActualUsd" numeric(18,2) NOT NULL,
    "ForecastUsd" numeric(18,2) NOT NULL,
    "RaisedAt" timestamp with time zone NOT NULL,
    CONSTRAINT "PK_BudgetAlerts" PRIMARY KEY ("Id"),
    CONSTRAINT "FK_BudgetAlerts_Teams_TeamId" FOREIGN KEY ("TeamId") REFERENCES "Teams" ("Id") ON DELETE CASCADE
);

CREATE TABLE "CostAnomalies" (
    "Id" uuid NOT NULL,
    "Scope" character varying(60) NOT NULL,
    "TeamId" uuid NOT NULL,
    "EnvironmentId" uuid,
    "Date" date NOT NULL,
    "AmountUsd" numeric(18,2) NOT NULL,
    "MeanUsd" numeric(18,2) NOT NULL,
    "StdDevUsd" numeric(18,2) NOT NULL,
    "HistoryDays" integer NOT NULL,
    "DetectedAt" timestamp with time zone NOT NULL,
    "AcknowledgedById" uuid,
    "AcknowledgedByName" character varying(256),
    "AcknowledgedAt" timestamp with time zone,
    "AcknowledgementNote" character varying(1000),
    CONSTRAINT "PK_CostAnomalies" PRIMARY KEY ("Id"),
    CONSTRAINT "FK_CostAnomalies_Environments_EnvironmentId" FOREIGN KEY ("EnvironmentId") REFERENCES "Environments" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_CostAnomalies_Teams_TeamId" FOREIGN KEY ("TeamId") REFERENCES "Teams" ("Id") ON DELETE CASCADE
);

CREATE TABLE "CostAllocationTagChecks" (
    "AccountId" character varying(12) NOT NULL,
    "TagKey" character varying(128) NOT NULL,
    "Status" character varying(20) NOT NULL,
    "CheckedAt" timestamp with time zone NOT NULL,
    "ActivatedByPortal" boolean NOT NULL,
    "Error" character varying(1000),
    CONSTRAINT "PK_CostAllocationTagChecks" PRIMARY KEY ("AccountId", "TagKey")
);


CREATE UNIQUE INDEX "IX_BudgetAlerts_Scope_Month_Kind" ON "BudgetAlerts" ("Scope", "Month", "Kind");

CREATE INDEX "IX_BudgetAlerts_TeamId" ON "BudgetAlerts" ("TeamId");

CREATE INDEX "IX_CostAnomalies_Date" ON "CostAnomalies" ("Date");

CREATE INDEX "IX_CostAnomalies_EnvironmentId" ON "CostAnomalies" ("EnvironmentId");

CREATE UNIQUE INDEX "IX_CostAnomalies_Scope_Date" ON "CostAnomalies" ("Scope", "Date");

CREATE INDEX "IX_CostAnomalies_TeamId_Date" ON "CostAnomalies" ("TeamId", "Date");
