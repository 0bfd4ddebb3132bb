-- 0021 (issue #18): a range's per-environment totals are kept once read. The dashboards' four per-environment views
-- (top environments, estimate vs actual, per template, approved vs realised) each summed every environment's month rows
-- and month-to-date edge days for the range; now the first read of a range writes each environment's total over it
-- (per account, team and tier, as the month rows carry them) and every later read of it joins those rows.
-- They stay valid across environment changes (a total is of the rollups only); a write to the per-environment rollups makes
-- them stale: every statement that writes "CostEnvironmentDays" or "CostEnvironmentMonths" adds one to the rollups' version
-- in its own transaction and deletes the kept totals, and a reader uses only totals of the version its snapshot sees.

CREATE TABLE "CostRollupVersions" (
    "Id" integer NOT NULL,
    "Version" bigint NOT NULL,
    CONSTRAINT "PK_CostRollupVersions" PRIMARY KEY ("Id")
);

INSERT INTO "CostRollupVersions" ("Id", "Version") VALUES (1, 0);

CREATE TABLE "CostSpanTotals" (
    "Span" character varying(400) NOT NULL,
    "Version" bigint NOT NULL,
    "ComputedAt" timestamp with time zone NOT NULL,
    CONSTRAINT "PK_CostSpanTotals" PRIMARY KEY ("Span", "Version")
);

CREATE TABLE "CostSpanEnvironmentTotals" (
    "Span" character varying(400) NOT NULL,
    "Version" bigint NOT NULL,
    "EnvironmentId" uuid NOT NULL,
    "AccountId" character varying(12) NOT NULL,
    "TeamId" uuid NOT NULL,
    "Tier" character varying(10) NOT NULL,
    "UnblendedUsd" numeric(18,6) NOT NULL
);

CREATE INDEX "IX_CostSpanEnvironmentTotals_Span_Version" ON "CostSpanEnvironmentTotals" ("Span", "Version") INCLUDE ("EnvironmentId", "AccountId", "TeamId", "Tier", "UnblendedUsd");

-- Per statement, not per row: ingestion rewrites a window's days in a few statements. The version row's lock also orders
-- concurrent writers. DELETE, not TRUNCATE, so readers of the kept totals never wait for ingestion.
CREATE OR REPLACE FUNCTION portal_cost_rollups_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE "CostRollupVersions" SET "Version" = "Version" + 1 WHERE "Id" = 1;
    DELETE FROM "CostSpanEnvironmentTotals";
    DELETE FROM "CostSpanTotals";
    RETURN NULL;
END
$$;

CREATE TRIGGER "TR_CostEnvironmentDays_RollupsChanged" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "CostEnvironmentDays"
    FOR EACH STATEMENT EXECUTE FUNCTION portal_cost_rollups_changed();

CREATE TRIGGER "TR_CostEnvironmentMonths_RollupsChanged" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "CostEnvironmentMonths"
    FOR EACH STATEMENT EXECUTE FUNCTION portal_cost_rollups_changed();
