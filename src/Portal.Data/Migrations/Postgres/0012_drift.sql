-- 0012: drift and out-of-band changes (issue 17 part 1). Environments learn what was done to their stack outside the portal
-- (deleted or changed, seen by the stack watcher in its ListStacks pages) and the stack's last-updated time the portal left;
-- EnvironmentDrifts holds each environment's drift detection schedule, the detection in flight and its last result.

ALTER TABLE "Environments" ADD "OutOfBand" character varying(20);
ALTER TABLE "Environments" ADD "OutOfBandAt" timestamp with time zone;
ALTER TABLE "Environments" ADD "OutOfBandDetail" character varying(1000);
ALTER TABLE "Environments" ADD "StackUpdatedAt" timestamp with time zone;
ALTER TABLE "Environments" ADD "OutOfBandStackUpdatedAt" timestamp with time zone;

-- The baseline of environments that exist already: any update the portal made finished before the row's last change.
UPDATE "Environments" SET "StackUpdatedAt" = "UpdatedAt" WHERE "Status" <> 'Destroyed';

CREATE TABLE "EnvironmentDrifts" (
    "EnvironmentId" uuid NOT NULL,
    "AccountId" character varying(12) NOT NULL,
    "Status" character varying(20) NOT NULL,
    "DetectionId" character varying(100),
    "DetectionStartedAt" timestamp with time zone,
    "CheckedAt" timestamp with time zone,
    "NextDueAt" timestamp with time zone NOT NULL,
    "RequestedAt" timestamp with time zone,
    "DriftedResourceCount" integer NOT NULL,
    "ResourcesJson" text NOT NULL,
    "FailureReason" character varying(2000),
    "UpdatedAt" timestamp with time zone NOT NULL,
    CONSTRAINT "PK_EnvironmentDrifts" PRIMARY KEY ("EnvironmentId"),
    CONSTRAINT "FK_EnvironmentDrifts_Environments_EnvironmentId" FOREIGN KEY ("EnvironmentId") REFERENCES "Environments" ("Id") ON DELETE CASCADE
);

CREATE INDEX "IX_EnvironmentDrifts_AccountId_DetectionStartedAt" ON "EnvironmentDrifts" ("AccountId", "DetectionStartedAt");

CREATE INDEX "IX_EnvironmentDrifts_NextDueAt" ON "EnvironmentDrifts" ("NextDueAt");
