-- 0003: what the job layer and the live pages need: each environment's estimate, watcher cursor, expiry warnings and
-- in-flight request; an update request's change set; stored stack events; in-app notifications.

ALTER TABLE "Environments" ADD "MonthlyEstimateUsd" numeric(18,2) NOT NULL DEFAULT 0.0;
ALTER TABLE "Environments" ADD "LastStackEventId" character varying(200) NULL;
ALTER TABLE "Environments" ADD "ExpiryWarningsSent" integer NOT NULL DEFAULT 0;
ALTER TABLE "Environments" ADD "ActiveOperationId" uuid NULL;
ALTER TABLE "Environments" ADD "OperationStartedAt" timestamp with time zone NULL;
ALTER TABLE "Environments" ADD "StoppedAt" timestamp with time zone NULL;
ALTER TABLE "Environments" ADD "LastStackStatus" character varying(64) NULL;

ALTER TABLE "EnvironmentRequests" ADD "TtlHours" integer NULL;
ALTER TABLE "EnvironmentRequests" ADD "ChangeSetName" character varying(128) NULL;
ALTER TABLE "EnvironmentRequests" ADD "ChangesJson" jsonb NULL;
ALTER TABLE "EnvironmentRequests" ADD "PreviousEstimateMonthlyUsd" numeric(18,2) NULL;

CREATE TABLE "StackEvents" (
    "Id" uuid NOT NULL,
    "EnvironmentId" uuid NOT NULL,
    "EventId" character varying(200) NOT NULL,
    "Timestamp" timestamp with time zone NOT NULL,
    "LogicalResourceId" character varying(256) NOT NULL,
    "PhysicalResourceId" character varying(2048) NULL,
    "ResourceType" character varying(256) NOT NULL,
    "ResourceStatus" character varying(64) NOT NULL,
    "ResourceStatusReason" character varying(2000) NULL,
    CONSTRAINT "PK_StackEvents" PRIMARY KEY ("Id"),
    CONSTRAINT "FK_StackEvents_Environments_EnvironmentId" FOREIGN KEY ("EnvironmentId") REFERENCES "Environments" ("Id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "IX_StackEvents_EnvironmentId_EventId" ON "StackEvents" ("EnvironmentId", "EventId");

CREATE INDEX "IX_StackEvents_EnvironmentId_Timestamp" ON "StackEvents" ("EnvironmentId", "Timestamp");

CREATE TABLE "Notifications" (
    "Id" uuid NOT NULL,
    "UserId" uuid NOT NULL,
    "Kind" character varying(50) NOT NULL,
    "Title" character varying(200) NOT NULL,
    "Body" character varying(2000) NOT NULL,
    "Link" character varying(500) NULL,
    "DedupeKey" character varying(200) NOT NULL,
    "CreatedAt" timestamp with time zone NOT NULL,
    "ReadAt" timestamp with time zone NULL,
    CONSTRAINT "PK_Notifications" PRIMARY KEY ("Id"),
    CONSTRAINT "FK_Notifications_Users_UserId" FOREIGN KEY ("UserId") REFERENCES "Users" ("Id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "IX_Notifications_UserId_DedupeKey" ON "Notifications" ("UserId", "DedupeKey");

CREATE INDEX "IX_Notifications_UserId_CreatedAt" ON "Notifications" ("UserId", "CreatedAt");
