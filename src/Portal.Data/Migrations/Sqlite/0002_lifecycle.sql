-- 0002: self-service lifecycle (environments, requests and their decisions, VPC CIDR allocations).
-- Tables and indexes generated from the EF model with GenerateCreateScript(), then owned by hand; the schema test keeps it honest.
-- SQLite has no exclusion constraints: CidrAllocator serializes allocation (BEGIN IMMEDIATE) and checks overlap in code.

CREATE TABLE "Environments" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_Environments" PRIMARY KEY,
    "Name" TEXT NOT NULL,
    "TeamId" TEXT NOT NULL,
    "OwnerId" TEXT NOT NULL,
    "TemplateSlug" TEXT NOT NULL,
    "TemplateVersion" TEXT NOT NULL,
    "Tier" TEXT NOT NULL,
    "AccountId" TEXT NOT NULL,
    "Region" TEXT NOT NULL,
    "StackName" TEXT NOT NULL,
    "StackId" TEXT NULL,
    "Status" TEXT NOT NULL,
    "OutputsJson" TEXT NOT NULL,
    "ParametersJson" TEXT NOT NULL,
    "ExpiresAt" INTEGER NULL,
    "OffHoursSchedule" INTEGER NOT NULL,
    "VpcCidr" TEXT NULL,
    "FailureReason" TEXT NULL,
    "FailedFrom" TEXT NULL,
    "HoursSavedBySchedule" REAL NOT NULL,
    "CreatedAt" INTEGER NOT NULL,
    "UpdatedAt" INTEGER NOT NULL,
    "DestroyedAt" INTEGER NULL,
    "Version" INTEGER NOT NULL,
    CONSTRAINT "FK_Environments_Teams_TeamId" FOREIGN KEY ("TeamId") REFERENCES "Teams" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_Environments_Users_OwnerId" FOREIGN KEY ("OwnerId") REFERENCES "Users" ("Id") ON DELETE RESTRICT
);

CREATE TABLE "CidrAllocations" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_CidrAllocations" PRIMARY KEY,
    "AccountId" TEXT NOT NULL,
    "Region" TEXT NOT NULL,
    "Cidr" TEXT NOT NULL,
    "EnvironmentId" TEXT NOT NULL,
    "AllocatedAt" INTEGER NOT NULL,
    "ReleasedAt" INTEGER NULL,
    CONSTRAINT "FK_CidrAllocations_Environments_EnvironmentId" FOREIGN KEY ("EnvironmentId") REFERENCES "Environments" ("Id") ON DELETE RESTRICT
);

CREATE TABLE "EnvironmentRequests" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_EnvironmentRequests" PRIMARY KEY,
    "Kind" TEXT NOT NULL,
    "RequesterId" TEXT NOT NULL,
    "TeamId" TEXT NOT NULL,
    "EnvironmentId" TEXT NULL,
    "EnvironmentName" TEXT NOT NULL,
    "TemplateSlug" TEXT NOT NULL,
    "TemplateVersion" TEXT NOT NULL,
    "Tier" TEXT NOT NULL,
    "AccountId" TEXT NOT NULL,
    "Region" TEXT NOT NULL,
    "ParametersJson" TEXT NOT NULL,
    "Justification" TEXT NOT NULL,
    "TtlDays" INTEGER NULL,
    "EstimateLineItemsJson" TEXT NOT NULL,
    "EstimateMonthlyUsd" REAL NOT NULL,
    "Status" TEXT NOT NULL,
    "PolicyOutcome" TEXT NOT NULL,
    "ApprovalsRequired" INTEGER NOT NULL,
    "PolicyReason" TEXT NOT NULL,
    "FailureReason" TEXT NULL,
    "CreatedAt" INTEGER NOT NULL,
    "UpdatedAt" INTEGER NOT NULL,
    "DecidedAt" INTEGER NULL,
    "CompletedAt" INTEGER NULL,
    "Version" INTEGER NOT NULL,
    CONSTRAINT "FK_EnvironmentRequests_Environments_EnvironmentId" FOREIGN KEY ("EnvironmentId") REFERENCES "Environments" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_EnvironmentRequests_Teams_TeamId" FOREIGN KEY ("TeamId") REFERENCES "Teams" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_EnvironmentRequests_Users_RequesterId" FOREIGN KEY ("RequesterId") REFERENCES "Users" ("Id") ON DELETE RESTRICT
);

CREATE TABLE "RequestDecisions" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_RequestDecisions" PRIMARY KEY,
    "RequestId" TEXT NOT NULL,
    "DeciderId" TEXT NOT NULL,
    "Verdict" TEXT NOT NULL,
    "Comment" TEXT NULL,
    "DecidedAt" INTEGER NOT NULL,
    CONSTRAINT "FK_RequestDecisions_EnvironmentRequests_RequestId" FOREIGN KEY ("RequestId") REFERENCES "EnvironmentRequests" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_RequestDecisions_Users_DeciderId" FOREIGN KEY ("DeciderId") REFERENCES "Users" ("Id") ON DELETE RESTRICT
);

CREATE INDEX "IX_CidrAllocations_AccountId_Region_ReleasedAt" ON "CidrAllocations" ("AccountId", "Region", "ReleasedAt");

CREATE UNIQUE INDEX "IX_CidrAllocations_LiveEnvironmentId" ON "CidrAllocations" ("EnvironmentId") WHERE "ReleasedAt" IS NULL;

CREATE INDEX "IX_EnvironmentRequests_EnvironmentId" ON "EnvironmentRequests" ("EnvironmentId");

CREATE INDEX "IX_EnvironmentRequests_RequesterId" ON "EnvironmentRequests" ("RequesterId");

CREATE INDEX "IX_EnvironmentRequests_Status_CreatedAt" ON "EnvironmentRequests" ("Status", "CreatedAt");

CREATE INDEX "IX_EnvironmentRequests_TeamId" ON "EnvironmentRequests" ("TeamId");

CREATE UNIQUE INDEX "IX_Environments_LiveStackName" ON "Environments" ("AccountId", "Region", "StackName") WHERE "Status" <> 'Destroyed';

CREATE INDEX "IX_Environments_OwnerId" ON "Environments" ("OwnerId");

CREATE INDEX "IX_Environments_Status_ExpiresAt" ON "Environments" ("Status", "ExpiresAt");

CREATE INDEX "IX_Environments_TeamId" ON "Environments" ("TeamId");

CREATE INDEX "IX_RequestDecisions_DeciderId" ON "RequestDecisions" ("DeciderId");

CREATE UNIQUE INDEX "IX_RequestDecisions_RequestId_DeciderId" ON "RequestDecisions" ("RequestId", "DeciderId");

