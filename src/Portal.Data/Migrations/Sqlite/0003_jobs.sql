-- 0003: what the job layer and the live pages need: each environment's estimate, watcher cursor, expiry warnings and
-- in-flight request; an update request's change set; stored stack events; in-app notifications.

ALTER TABLE "Environments" ADD "MonthlyEstimateUsd" REAL NOT NULL DEFAULT 0.0;
ALTER TABLE "Environments" ADD "LastStackEventId" TEXT NULL;
ALTER TABLE "Environments" ADD "ExpiryWarningsSent" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "Environments" ADD "ActiveOperationId" TEXT NULL;
ALTER TABLE "Environments" ADD "OperationStartedAt" INTEGER NULL;
ALTER TABLE "Environments" ADD "StoppedAt" INTEGER NULL;
ALTER TABLE "Environments" ADD "LastStackStatus" TEXT NULL;

ALTER TABLE "EnvironmentRequests" ADD "TtlHours" INTEGER NULL;
ALTER TABLE "EnvironmentRequests" ADD "ChangeSetName" TEXT NULL;
ALTER TABLE "EnvironmentRequests" ADD "ChangesJson" TEXT NULL;
ALTER TABLE "EnvironmentRequests" ADD "PreviousEstimateMonthlyUsd" REAL NULL;

CREATE TABLE "StackEvents" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_StackEvents" PRIMARY KEY,
    "EnvironmentId" TEXT NOT NULL,
    "EventId" TEXT NOT NULL,
    "Timestamp" INTEGER NOT NULL,
    "LogicalResourceId" TEXT NOT NULL,
    "PhysicalResourceId" TEXT NULL,
    "ResourceType" TEXT NOT NULL,
    "ResourceStatus" TEXT NOT NULL,
    "ResourceStatusReason" TEXT NULL,
    CONSTRAINT "FK_StackEvents_Environments_EnvironmentId" FOREIGN KEY ("EnvironmentId") REFERENCES "Environments" ("Id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "IX_StackEvents_EnvironmentId_EventId" ON "StackEvents" ("EnvironmentId", "EventId");

CREATE INDEX "IX_StackEvents_EnvironmentId_Timestamp" ON "StackEvents" ("EnvironmentId", "Timestamp");

CREATE TABLE "Notifications" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_Notifications" PRIMARY KEY,
    "UserId" TEXT NOT NULL,
    "Kind" TEXT NOT NULL,
    "Title" TEXT NOT NULL,
    "Body" TEXT NOT NULL,
    "Link" TEXT NULL,
    "DedupeKey" TEXT NOT NULL,
    "CreatedAt" INTEGER NOT NULL,
    "ReadAt" INTEGER NULL,
    CONSTRAINT "FK_Notifications_Users_UserId" FOREIGN KEY ("UserId") REFERENCES "Users" ("Id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "IX_Notifications_UserId_DedupeKey" ON "Notifications" ("UserId", "DedupeKey");

CREATE INDEX "IX_Notifications_UserId_CreatedAt" ON "Notifications" ("UserId", "CreatedAt");
