-- 0019 (live, issue #18): every kind of change the portal signals is delivered to every node by the database. Drift results
-- (EnvironmentDrifts) and upgrade campaigns (UpgradeCampaigns, CampaignTargets) get the NOTIFY trigger the environment, request
-- and notification rows have had since 0015, and every payload carries the row's version (its UpdatedAt, or for notifications
-- the time read or created, in microseconds since 1970) so a listener's catch-up read after a lost connection delivers only
-- what the NOTIFYs it heard did not. Payload: source|id|teamId|environmentId|version, source being
--   e environment (id = environment), r request (id = request), n notification (id = the user's),
--   d drift result (id = environment), c campaign (id = campaign), t campaign target (id = campaign, with team and environment).
-- The UpdatedAt indexes serve the catch-up read (and SQLite's poll, which reads the same columns).

CREATE INDEX "IX_EnvironmentDrifts_UpdatedAt" ON "EnvironmentDrifts" ("UpdatedAt");

CREATE INDEX "IX_UpgradeCampaigns_UpdatedAt" ON "UpgradeCampaigns" ("UpdatedAt");

CREATE INDEX "IX_CampaignTargets_UpdatedAt" ON "CampaignTargets" ("UpdatedAt");

CREATE OR REPLACE FUNCTION portal_change_version(at timestamp with time zone) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT (extract(epoch FROM at) * 1000000)::bigint::text
$$;

CREATE OR REPLACE FUNCTION portal_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'Environments' THEN
        PERFORM pg_notify('portal_changes', 'e|' || NEW."Id"::text || '|' || NEW."TeamId"::text || '|' || NEW."Id"::text
            || '|' || portal_change_version(NEW."UpdatedAt"));
    ELSIF TG_TABLE_NAME = 'EnvironmentRequests' THEN
        PERFORM pg_notify('portal_changes', 'r|' || NEW."Id"::text || '|' || NEW."TeamId"::text || '|' || COALESCE(NEW."EnvironmentId"::text, '')
            || '|' || portal_change_version(NEW."UpdatedAt"));
    ELSIF TG_TABLE_NAME = 'Notifications' THEN
        PERFORM pg_notify('portal_changes', 'n|' || NEW."UserId"::text || '|||' || portal_change_version(COALESCE(NEW."ReadAt", NEW."CreatedAt")));
    ELSIF TG_TABLE_NAME = 'EnvironmentDrifts' THEN
        PERFORM pg_notify('portal_changes', 'd|' || NEW."EnvironmentId"::text || '|'
            || COALESCE((SELECT e."TeamId"::text FROM "Environments" e WHERE e."Id" = NEW."EnvironmentId"), '')
            || '|' || NEW."EnvironmentId"::text || '|' || portal_change_version(NEW."UpdatedAt"));
    ELSIF TG_TABLE_NAME = 'UpgradeCampaigns' THEN
        PERFORM pg_notify('portal_changes', 'c|' || NEW."Id"::text || '|||' || portal_change_version(NEW."UpdatedAt"));
    ELSE
        PERFORM pg_notify('portal_changes', 't|' || NEW."CampaignId"::text || '|' || NEW."TeamId"::text || '|' || NEW."EnvironmentId"::text
            || '|' || portal_change_version(NEW."UpdatedAt"));
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER "TR_EnvironmentDrifts_NotifyChange" AFTER INSERT OR UPDATE ON "EnvironmentDrifts"
    FOR EACH ROW EXECUTE FUNCTION portal_notify_change();

CREATE TRIGGER "TR_UpgradeCampaigns_NotifyChange" AFTER INSERT OR UPDATE ON "UpgradeCampaigns"
    FOR EACH ROW EXECUTE FUNCTION portal_notify_change();

CREATE TRIGGER "TR_CampaignTargets_NotifyChange" AFTER INSERT OR UPDATE ON "CampaignTargets"
    FOR EACH ROW EXECUTE FUNCTION portal_notify_change();
