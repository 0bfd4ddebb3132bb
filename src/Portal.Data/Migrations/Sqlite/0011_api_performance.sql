-- 0011: the API at scale (issue 18). The environment lists' order (newest first, ties by id) read from an index.
-- (The embedded default is one node: its cache of callers is invalidated in process, see Portal.Web/Security/README.md.)
CREATE INDEX "IX_Environments_CreatedAt_Id" ON "Environments" ("CreatedAt", "Id");
