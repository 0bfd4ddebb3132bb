-- 0015 (perf-live, issue #18): live pages follow changes without scanning tables. SQLite runs one node, whose change feed
-- polls once a second for rows changed since its last look: by these indexes, not by a full scan. (PostgreSQL also gets a
-- NOTIFY trigger; see the PostgreSQL script.)

CREATE INDEX "IX_Environments_UpdatedAt" ON "Environments" ("UpdatedAt");

CREATE INDEX "IX_EnvironmentRequests_UpdatedAt" ON "EnvironmentRequests" ("UpdatedAt");

CREATE INDEX "IX_Notifications_CreatedAt" ON "Notifications" ("CreatedAt");
