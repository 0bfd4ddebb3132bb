-- 0013: template versions and upgrade campaigns (issue #17, part 2): the template content (hash) each environment runs and
-- each create or update ran, every template version the catalog has offered (so older ones stay readable), and upgrade
-- campaigns with one row per environment (preview, wave, progress).

ALTER TABLE "Environments" ADD "TemplateContentHash" TEXT NULL;
ALTER TABLE "EnvironmentRequests" ADD "TemplateContentHash" TEXT NULL;

CREATE TABLE "TemplateVersions" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_TemplateVersions" PRIMARY KEY,
    "TemplateSlug" TEXT NOT NULL,
    "Version" TEXT NOT NULL,
    "ContentHash" TEXT NOT NULL,
    "TemplateBody" TEXT NOT NULL,
    "ManifestJson" TEXT NOT NULL,
    "FirstSeenAt" INTEGER NOT NULL
);

CREATE UNIQUE INDEX "IX_TemplateVersions_TemplateSlug_ContentHash" ON "TemplateVersions" ("TemplateSlug", "ContentHash");

CREATE INDEX "IX_TemplateVersions_TemplateSlug_Version" ON "TemplateVersions" ("TemplateSlug", "Version");

CREATE TABLE "UpgradeCampaigns" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_UpgradeCampaigns" PRIMARY KEY,
    "Name" TEXT NOT NULL,
    "TemplateSlug" TEXT NOT NULL,
    "TargetVersion" TEXT NOT NULL,
    "TargetContentHash" TEXT NOT NULL,
    "Tiers" TEXT NOT NULL,
    "Teams" TEXT NOT NULL,
    "WaveSize" INTEGER NOT NULL,
    "MaxFailures" INTEGER NOT NULL,
    "AcknowledgedFailures" INTEGER NOT NULL,
    "Status" TEXT NOT NULL,
    "PauseReason" TEXT NULL,
    "CreatedById" TEXT NOT NULL,
    "CreatedByName" TEXT NOT NULL,
    "CreatedAt" INTEGER NOT NULL,
    "StartedAt" INTEGER NULL,
    "FinishedAt" INTEGER NULL,
    "UpdatedAt" INTEGER NOT NULL,
    "Version" INTEGER NOT NULL
);

CREATE INDEX "IX_UpgradeCampaigns_Status_CreatedAt" ON "UpgradeCampaigns" ("Status", "CreatedAt");

CREATE TABLE "CampaignTargets" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_CampaignTargets" PRIMARY KEY,
    "CampaignId" TEXT NOT NULL,
    "EnvironmentId" TEXT NOT NULL,
    "TeamId" TEXT NOT NULL,
    "Tier" TEXT NOT NULL,
    "Wave" INTEGER NOT NULL,
    "FromVersion" TEXT NOT NULL,
    "Status" TEXT NOT NULL,
    "ChangesJson" TEXT NOT NULL,
    "ParameterNotesJson" TEXT NOT NULL,
    "Added" INTEGER NOT NULL,
    "Modified" INTEGER NOT NULL,
    "Removed" INTEGER NOT NULL,
    "Replaced" INTEGER NOT NULL,
    "CurrentMonthlyUsd" REAL NOT NULL,
    "TargetMonthlyUsd" REAL NOT NULL,
    "RequestId" TEXT NULL,
    "Detail" TEXT NULL,
    "UpdatedAt" INTEGER NOT NULL,
    CONSTRAINT "FK_CampaignTargets_EnvironmentRequests_RequestId" FOREIGN KEY ("RequestId") REFERENCES "EnvironmentRequests" ("Id") ON DELETE SET NULL,
    CONSTRAINT "FK_CampaignTargets_Environments_EnvironmentId" FOREIGN KEY ("EnvironmentId") REFERENCES "Environments" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_CampaignTargets_Teams_TeamId" FOREIGN KEY ("TeamId") REFERENCES "Teams" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_CampaignTargets_UpgradeCampaigns_CampaignId" FOREIGN KEY ("CampaignId") REFERENCES "UpgradeCampaigns" ("Id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "IX_CampaignTargets_CampaignId_EnvironmentId" ON "CampaignTargets" ("CampaignId", "EnvironmentId");

CREATE INDEX "IX_CampaignTargets_EnvironmentId" ON "CampaignTargets" ("EnvironmentId");

CREATE INDEX "IX_CampaignTargets_RequestId" ON "CampaignTargets" ("RequestId");

CREATE INDEX "IX_CampaignTargets_TeamId" ON "CampaignTargets" ("TeamId");
