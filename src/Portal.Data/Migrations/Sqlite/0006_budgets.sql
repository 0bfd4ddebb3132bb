-- 0006: budgets, alerts, anomalies and cost allocation tags (issue #6): the organisation's total monthly budget (one row),
-- budget alerts raised once per (scope, month, kind), cost anomalies once per (scope, date) with their acknowledgement,
-- and the last check of each of Portal's cost allocation tags per account.

CREATE TABLE "OrganisationBudgets" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_OrganisationBudgets" PRIMARY KEY,
    "MonthlyBudgetUsd" REAL NOT NULL,
    "UpdatedAt" INTEGER NOT NULL
);

CREATE TABLE "BudgetAlerts" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_BudgetAlerts" PRIMARY KEY,
    "Scope" TEXT NOT NULL,
    "TeamId" TEXT NULL,
    "Month" TEXT NOT NULL,
    "Kind" TEXT NOT NULL,
    "BudgetUsd" REAL NOT NULL,
    "ActualUsd" REAL NOT NULL,
    "ForecastUsd" REAL NOT NULL,
    "RaisedAt" INTEGER NOT NULL,
    CONSTRAINT "FK_BudgetAlerts_Teams_TeamId" FOREIGN KEY ("TeamId") REFERENCES "Teams" ("Id") ON DELETE CASCADE
);

CREATE TABLE "CostAnomalies" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_CostAnomalies" PRIMARY KEY,
    "Scope" TEXT NOT NULL,
    "TeamId" TEXT NOT NULL,
    "EnvironmentId" TEXT NULL,
    "Date" TEXT NOT NULL,
    "AmountUsd" REAL NOT NULL,
    "MeanUsd" REAL NOT NULL,
    "StdDevUsd" REAL NOT NULL,
    "HistoryDays" INTEGER NOT NULL,
    "DetectedAt" INTEGER NOT NULL,
    "AcknowledgedById" TEXT NULL,
    "AcknowledgedByName" TEXT NULL,
    "AcknowledgedAt" INTEGER NULL,
    "AcknowledgementNote" TEXT NULL,
    CONSTRAINT "FK_CostAnomalies_Environments_EnvironmentId" FOREIGN KEY ("EnvironmentId") REFERENCES "Environments" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_CostAnomalies_Teams_TeamId" FOREIGN KEY ("TeamId") REFERENCES "Teams" ("Id") ON DELETE CASCADE
);

CREATE TABLE "CostAllocationTagChecks" (
    "AccountId" TEXT NOT NULL,
    "TagKey" TEXT NOT NULL,
    "Status" TEXT NOT NULL,
    "CheckedAt" INTEGER NOT NULL,
    "ActivatedByPortal" INTEGER NOT NULL,
    "Error" TEXT NULL,
    CONSTRAINT "PK_CostAllocationTagChecks" PRIMARY KEY ("AccountId", "TagKey")
);


CREATE UNIQUE INDEX "IX_BudgetAlerts_Scope_Month_Kind" ON "BudgetAlerts" ("Scope", "Month", "Kind");

CREATE INDEX "IX_BudgetAlerts_TeamId" ON "BudgetAlerts" ("TeamId");

CREATE INDEX "IX_CostAnomalies_Date" ON "CostAnomalies" ("Date");

CREATE INDEX "IX_CostAnomalies_EnvironmentId" ON "CostAnomalies" ("EnvironmentId");

CREATE UNIQUE INDEX "IX_CostAnomalies_Scope_Date" ON "CostAnomalies" ("Scope", "Date");

CREATE INDEX "IX_CostAnomalies_TeamId_Date" ON "CostAnomalies" ("TeamId", "Date");
