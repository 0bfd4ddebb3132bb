-- 0017: a concurrency token on campaign targets (issue 17 part 2): a campaign's cancel and an environment's step both
-- change the target row, and the token makes one of them lose instead of both winning (a cancelled target with an update
-- request made anyway).

ALTER TABLE "CampaignTargets" ADD "Version" integer NOT NULL DEFAULT 0;
