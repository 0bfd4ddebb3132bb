-- 0015 (perf-live, issue #18): live pages follow changes without scanning tables.
-- PostgreSQL: every insert or update of an environment, a request or a notification sends one NOTIFY on channel
-- "portal_changes" in the writer's own transaction (delivered to every node's listener at commit, never for a rolled-back
-- change; identical payloads in one transaction are folded into one). Payload: kind|id|teamId|environmentId, kind being
-- e (environment), r (request) or n (notification: id is the user's). The UpdatedAt/CreatedAt indexes serve the listener's
-- catch-up read after a lost connection (and keep the schema the same as SQLite's, which polls by them).

CREATE INDEX "IX_Environments_UpdatedAt" ON "Environments" ("UpdatedAt");

CREATE INDEX "IX_EnvironmentRequests_UpdatedAt" ON "EnvironmentRequests" ("UpdatedAt");

CREATE INDEX "IX_Notifications_CreatedAt" ON "Notifications" ("CreatedAt");

CREATE OR REPLACE FUNCTION portal_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'Environments' THEN
        PERFORM pg_notify('portal_changes', 'e|' || NEW."Id"::text || '|' || NEW."TeamId"::text || '|' || NEW."Id"::text);
    ELSIF TG_TABLE_NAME = 'EnvironmentRequests' THEN
        PERFORM pg_notify('portal_changes', 'r|' || NEW."Id"::text || '|' || NEW."TeamId"::text || '|' || COALESCE(NEW."EnvironmentId"::text, ''));
    ELSE
        PERFORM pg_notify('portal_changes', 'n|' || NEW."UserId"::text || '||');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER "TR_Environments_NotifyChange" AFTER INSERT OR UPDATE ON "Environments"
    FOR EACH ROW EXECUTE FUNCTION portal_notify_change();

CREATE TRIGGER "TR_EnvironmentRequests_NotifyChange" AFTER INSERT OR UPDATE ON "EnvironmentRequests"
    FOR EACH ROW EXECUTE FUNCTION portal_notify_change();

CREATE TRIGGER "TR_Notifications_NotifyChange" AFTER INSERT OR UPDATE ON "Notifications"
    FOR EACH ROW EXECUTE FUNCTION portal_notify_change();
