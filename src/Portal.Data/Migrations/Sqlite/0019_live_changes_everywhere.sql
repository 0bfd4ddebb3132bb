-- 0019 (live, issue #18): drift results and upgrade campaigns are delivered to live pages like environments and requests.
-- SQLite runs one node, whose change feed polls once a second for rows changed since its last look: these indexes let it
-- read the drift and campaign tables by UpdatedAt, not by a full scan. (PostgreSQL gets NOTIFY triggers; see its script.)

CREATE INDEX "IX_EnvironmentDrifts_UpdatedAt" ON "EnvironmentDrifts" ("UpdatedAt");

CREATE INDEX "IX_UpgradeCampaigns_UpdatedAt" ON "UpgradeCampaigns" ("UpdatedAt");

CREATE INDEX "IX_CampaignTargets_UpdatedAt" ON "CampaignTargets" ("UpdatedAt");
