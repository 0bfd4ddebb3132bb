-- 0011: the API at scale (issue 18).
-- The environment lists' order (newest first, ties by id) read from an index instead of sorting every visible row.
CREATE INDEX "IX_Environments_CreatedAt_Id" ON "Environments" ("CreatedAt", "Id");

-- Every node caches who a caller is (token, user, roles, teams). A change to any of it is announced on the channel
-- portal_access with the user's id (or '*' for everyone), whoever made it (any node, the command line, plain SQL);
-- each node LISTENs and forgets what it cached. NOTIFY is transactional: it is delivered when the change commits.
CREATE FUNCTION portal_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_ARGV[0] = '*' THEN
        PERFORM pg_notify('portal_access', '*');
    ELSE
        PERFORM pg_notify('portal_access', to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END) ->> TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER "TR_PersonalAccessTokens_AccessChanged" AFTER UPDATE OF "RevokedAt", "ExpiresAt", "Scopes", "UserId", "TokenHash" OR DELETE
    ON "PersonalAccessTokens" FOR EACH ROW EXECUTE FUNCTION portal_access_changed('UserId');
CREATE TRIGGER "TR_Users_AccessChanged" AFTER UPDATE OF "Email", "UserName", "DisplayName", "LockoutEnd", "SecurityStamp" OR DELETE
    ON "Users" FOR EACH ROW EXECUTE FUNCTION portal_access_changed('Id');
CREATE TRIGGER "TR_UserRoles_AccessChanged" AFTER INSERT OR UPDATE OR DELETE
    ON "UserRoles" FOR EACH ROW EXECUTE FUNCTION portal_access_changed('UserId');
CREATE TRIGGER "TR_TeamMemberships_AccessChanged" AFTER INSERT OR UPDATE OR DELETE
    ON "TeamMemberships" FOR EACH ROW EXECUTE FUNCTION portal_access_changed('UserId');
CREATE TRIGGER "TR_Teams_AccessChanged" AFTER UPDATE OF "Slug", "Name" OR DELETE
    ON "Teams" FOR EACH STATEMENT EXECUTE FUNCTION portal_access_changed('*');
CREATE TRIGGER "TR_Roles_AccessChanged" AFTER UPDATE OR DELETE
    ON "Roles" FOR EACH STATEMENT EXECUTE FUNCTION portal_access_changed('*');
