-- 0013: template versions and upgrade campaigns (issue #17, part 2): the template content (hash) each environment runs and
-- each create or update ran, every template version the catalog has offered (so older ones stay readable), and upgrade
-- campaigns with one row per environment (preview, wave, progress).

ALTER TABLE "Environments" ADD "TemplateContentHash" character varying(64) NULL;
ALTER TABLE "EnvironmentRequests" ADD "TemplateContentHash" character varying(64) NULL;

CREATE TABLE "TemplateVersions" (
    "Id" uuid NOT NULL,
    "TemplateSlug" character varying(100) NOT NULL,
    "Version" character varying(50) NOT NULL,
    "ContentHash" character varying(64) NOT NULL,
    "TemplateBody" text NOT NULL,
    "ManifestJson" text NOT NULL,
    "FirstSeenAt" timestamp with time zone NOT NULL,
    CONSTRAINT "PK_TemplateVersions" PRIMARY KEY ("Id")
);

CREATE UNIQUE INDEX "IX_TemplateVersions_TemplateSlug_ContentHash" ON "TemplateVersions" ("TemplateSlug", "ContentHash");

CREATE INDEX "IX_TemplateVersions_TemplateSlug_Version" ON "TemplateVersions" ("TemplateSlug", "Version");

CREATE TABLE "UpgradeCampaigns" (
    "Id" uuid NOT NULL,
    "Name" character varying(100) NOT NULL,
    "TemplateSlug" character varying(100) NOT NULL,
    "TargetVersion" character varying(50) NOT NULL,
    "TargetContentHash" character varying(64) NOT NULL,
    "Tiers" character varying(100) NOT NULL,
    "Teams" character varying(2000) NOT NULL,
    "WaveSize" integer NOT NULL,
    "MaxFailures" integer NOT NULL,
    "AcknowledgedFailures" integer NOT NULL,
    "Status" character varying(20) NOT NULL,
    "PauseReason" character varying(1000) NULL,
    "CreatedById" uuid NOT NULL,
    "CreatedByName" character varying(256) NOT NULL,
    "CreatedAt" timestamp with time zone NOT NULL,
    "StartedAt" timestamp with time zone NULL,
    "FinishedAt" timestamp with time zone NULL,
    "UpdatedAt" timestamp with time zone NOT NULL,
    "Version" integer NOT NULL,
    CONSTRAINT "PK_UpgradeCampaigns" PRIMARY KEY ("Id")
);

CREATE INDEX "IX_UpgradeCampaigns_Status_CreatedAt" ON "UpgradeCampaigns" ("Status", "CreatedAt");

CREATE TABLE "CampaignTargets" (
    "Id" uuid NOT NULL,
    "CampaignId" uuid NOT NULL,
    "EnvironmentId" uuid NOT NULL,
    "TeamId" uuid NOT NULL,
    "Tier" character varying(10) NOT NULL,
    "Wave" integer NOT NULL,
    "FromVersion" character varying(50) NOT NULL,
    "Status" character varying(20) NOT NULL,
    "ChangesJson" text NOT NULL,
    "ParameterNotesJson" text NOT NULL,
    "Added" integer NOT NULL,
    "Modified" integer NOT NULL,
    "Removed" integer NOT NULL,
    "Replaced" integer NOT NULL,
    "CurrentMonthlyUsd" numeric(18,2) NOT NULL,
    "TargetMonthlyUsd" numeric(18,2) NOT NULL,
    "RequestId" uuid NULL,
    "Detail" character varying(2000) NULL,
    "UpdatedAt" timestamp with time zone NOT NULL,
    CONSTRAINT "PK_CampaignTargets" PRIMARY KEY ("Id"),
    CONSTRAINT "FK_CampaignTargets_UpgradeCampaigns_CampaignId" FOREIGN KEY ("CampaignId") REFERENCES "UpgradeCampaigns" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_CampaignTargets_Environments_EnvironmentId" FOREIGN KEY ("EnvironmentId") REFERENCES "Environments" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_CampaignTargets_Teams_TeamId" FOREIGN KEY ("TeamId") REFERENCES "Teams" ("Id") ON DELETE CASCADE,
    CONSTRAINT "FK_CampaignTargets_EnvironmentRequests_RequestId" FOREIGN KEY ("RequestId") REFERENCES "EnvironmentRequests" ("Id") ON DELETE SET NULL
);

CREATE UNIQUE INDEX "IX_CampaignTargets_CampaignId_EnvironmentId" ON "CampaignTargets" ("CampaignId", "EnvironmentId");

CREATE INDEX "IX_CampaignTargets_EnvironmentId" ON "CampaignTargets" ("EnvironmentId");

CREATE INDEX "IX_CampaignTargets_RequestId" ON "CampaignTargets" ("RequestId");

CREATE INDEX "IX_CampaignTargets_TeamId" ON "CampaignTargets" ("TeamId");
