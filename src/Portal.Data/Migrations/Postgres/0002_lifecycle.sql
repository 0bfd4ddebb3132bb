-- 0002: self-service lifecycle (environments, requests and their decisions, VPC CIDR allocations).
-- Tables and indexes generated from the EF model with GenerateCreateScript(), then owned by hand; the schema test keeps it honest.
-- PostgreSQL-only extra (at the end): an exclusion constraint so live CIDR blocks never overlap in one account and region.

CREATE TABLE "Environments" (
    "Id" uuid NOT NULL,
    "Name" character varying(41) NOT NULL,
    "TeamId" uuid NOT NULL,
    "OwnerId" uuid NOT NULL,
    "TemplateSlug" character varying(100) NOT NULL,
    "TemplateVersion" character varying(50) NOT NULL,
    "Tier" character varying(10) NOT NULL,
    "AccountId" character varying(12) NOT NULL,
    "Region" character varying(30) NOT NULL,
    "StackName" character varying(128) NOT NULL,
    "StackId" character varying(2048),
    "Status" character varying(20) NOT NULL,
    "OutputsJson" jsonb NOT NULL,
    "ParametersJson" jsonb NOT NULL,
    "ExpiresAt" timestamp with time zone,
    "OffHoursSchedule" boolean NOT NULL,
    "VpcCidr" character varying(18),
    "FailureReason" character varying(2000),
    "FailedFrom" character varying(20),
    "HoursSavedBySchedule" numeric(18,2) NOT NULL,
    "CreatedAt" timestamp with time zone NOT NULL,
    "UpdatedAt" timestamp with time zone NOT NULL,
    "DestroyedAt" timestamp with time zone,
    "Version" integer NOT NULL,
    CONSTRAINT "PK_Environments" PRIMARY KEY ("Id"),
    CONSTRAINT "FK_Environments_Teams_TeamId" FOREIGN KEY ("TeamId") REFERENCES "Teams" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_Environments_Users_OwnerId" FOREIGN KEY ("OwnerId") REFERENCES "Users" ("Id") ON DELETE RESTRICT
);

CREATE TABLE "CidrAllocations" (
    "Id" uuid NOT NULL,
    "AccountId" character varying(12) NOT NULL,
    "Region" character varying(30) NOT NULL,
    "Cidr" character varying(18) NOT NULL,
    "EnvironmentId" uuid NOT NULL,
    "AllocatedAt" timestamp with time zone NOT NULL,
    "ReleasedAt" timestamp with time zone,
    CONSTRAINT "PK_CidrAllocations" PRIMARY KEY ("Id"),
    CONSTRAINT "FK_CidrAllocations_Environments_EnvironmentId" FOREIGN KEY ("EnvironmentId") REFERENCES "Environments" ("Id") ON DELETE RESTRICT
);

CREATE TABLE "EnvironmentRequests" (
    "Id" uuid NOT NULL,
    "Kind" character varying(20) NOT NULL,
    "RequesterId" uuid NOT NULL,
    "TeamId" uuid NOT NULL,
    "EnvironmentId" uuid,
    "EnvironmentName" character varying(41) NOT NULL,
    "TemplateSlug" character varying(100) NOT NULL,
    "TemplateVersion" character varying(50) NOT NULL,
    "Tier" character varying(10) NOT NULL,
    "AccountId" character varying(12) NOT NULL,
    "Region" character varying(30) NOT NULL,
    "ParametersJson" jsonb NOT NULL,
    "Justification" character varying(2000) NOT NULL,
    "TtlDays" integer,
    "EstimateLineItemsJson" jsonb NOT NULL,
    "EstimateMonthlyUsd" numeric(18,2) NOT NULL,
    "Status" character varying(20) NOT NULL,
    "PolicyOutcome" character varying(20) NOT NULL,
    "ApprovalsRequired" integer NOT NULL,
    "PolicyReason" character varying(1000) NOT NULL,
    "FailureReason" character varying(2000),
    "CreatedAt" timestamp with time zone NOT NULL,
    "UpdatedAt" timestamp with time zone NOT NULL,
    "DecidedAt" timestamp with time zone,
    "CompletedAt" timestamp with time zone,
    "Version" integer NOT NULL,
    CONSTRAINT "PK_EnvironmentRequests" PRIMARY KEY ("Id"),
    CONSTRAINT "FK_EnvironmentRequests_Environments_EnvironmentId" FOREIGN KEY ("EnvironmentId") REFERENCES "Environments" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_EnvironmentRequests_Teams_TeamId" FOREIGN KEY ("TeamId") REFERENCES "Teams" ("Id") ON DELETE RESTRICT,
    CONSTRAINT "FK_EnvironmentRequests_Users_RequesterId" FOREIGN KEY ("RequesterId") REFERENCES "Users" ("Id") ON DELETE RESTRICT
);

CREATE TABLE "RequestDecisions" (
    "Id" uuid NOT NULL,
    "RequestId" uuid NOT NULL,
    "DeciderId" uuid NOT NULL,
    "Verdict" character varying(10) NOT NULL,
    "Comment" character varying(2000),
    "DecidedAt" timestamp with time zone NOT NULL,
    CONSTRAINT "PK_RequestDecisions" PRIMARY KEY ("Id"),
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


-- Live CIDR blocks never overlap within one account and region. btree_gist lets the GiST index compare the text
-- columns with =; inet_ops compares the blocks with && (overlaps). btree_gist is a trusted extension (PostgreSQL 13+),
-- so a database owner without superuser can create it. The allocator retries on this constraint's violation (23P01).
CREATE EXTENSION IF NOT EXISTS btree_gist;

ALTER TABLE "CidrAllocations" ADD CONSTRAINT "EX_CidrAllocations_NoOverlap"
    EXCLUDE USING gist ("AccountId" WITH =, "Region" WITH =, (("Cidr")::inet) inet_ops WITH &&)
    WHERE ("ReleasedAt" IS NULL);
