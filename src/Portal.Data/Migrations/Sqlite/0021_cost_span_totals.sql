-- 0021 (issue #18): the kept per-environment range totals of PostgreSQL (see its 0021). SQLite computes the per-environment
-- views in memory and does not keep them; the tables exist so both providers have the model's schema.

CREATE TABLE "CostRollupVersions" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_CostRollupVersions" PRIMARY KEY,
    "Version" INTEGER NOT NULL
);

INSERT INTO "CostRollupVersions" ("Id", "Version") VALUES (1, 0);

CREATE TABLE "CostSpanTotals" (
    "Span" TEXT NOT NULL,
    "Version" INTEGER NOT NULL,
    "ComputedAt" INTEGER NOT NULL,
    CONSTRAINT "PK_CostSpanTotals" PRIMARY KEY ("Span", "Version")
);

CREATE TABLE "CostSpanEnvironmentTotals" (
    "Span" TEXT NOT NULL,
    "Version" INTEGER NOT NULL,
    "EnvironmentId" TEXT NOT NULL,
    "AccountId" TEXT NOT NULL,
    "TeamId" TEXT NOT NULL,
    "Tier" TEXT NOT NULL,
    "UnblendedUsd" REAL NOT NULL
);

CREATE INDEX "IX_CostSpanEnvironmentTotals_Span_Version" ON "CostSpanEnvironmentTotals" ("Span", "Version");
