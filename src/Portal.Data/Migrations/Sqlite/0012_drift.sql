-- 0012: drift and out-of-band changes (issue 17 part 1); see the PostgreSQL twin. Instants are UTC ticks (INTEGER).

ALTER TABLE "Environments" ADD "OutOfBand" TEXT NULL;
ALTER TABLE "Environments" ADD "OutOfBandAt" INTEGER NULL;
ALTER TABLE "Environments" ADD "OutOfBandDetail" TEXT NULL;
ALTER TABLE "Environments" ADD "StackUpdatedAt" INTEGER NULL;
ALTER TABLE "Environments" ADD "OutOfBandStackUpdatedAt" INTEGER NULL;

UPDATE "Environments" SET "StackUpdatedAt" = "UpdatedAt" WHERE "Status" <> 'Destroyed';

CREATE TABLE "EnvironmentDrifts" (
    "EnvironmentId" TEXT NOT NULL CONSTRAINT "PK_EnvironmentDrifts" PRIMARY KEY,
    "AccountId" TEXT NOT NULL,
    "Status" TEXT NOT NULL,
    "DetectionId" TEXT NULL,
    "DetectionStartedAt" INTEGER NULL,
    "CheckedAt" INTEGER NULL,
    "NextDueAt" INTEGER NOT NULL,
    "RequestedAt" INTEGER NULL,
    "DriftedResourceCount" INTEGER NOT NULL,
    "ResourcesJson" TEXT NOT NULL,
    "FailureReason" TEXT NULL,
    "UpdatedAt" INTEGER NOT NULL,
    CONSTRAINT "FK_EnvironmentDrifts_Environments_EnvironmentId" FOREIGN KEY ("EnvironmentId") REFERENCES "Environments" ("Id") ON DELETE CASCADE
);

CREATE INDEX "IX_EnvironmentDrifts_AccountId_DetectionStartedAt" ON "EnvironmentDrifts" ("AccountId", "DetectionStartedAt");

CREATE INDEX "IX_EnvironmentDrifts_NextDueAt" ON "EnvironmentDrifts" ("NextDueAt");
