-- 0014: estimates have a range (issue 19): the maximum beside the expected figure, on requests and environments.
-- NULL for estimates made before ranges; read it as the expected figure.

ALTER TABLE "EnvironmentRequests" ADD "EstimateMonthlyMaxUsd" numeric(18,2) NULL;
ALTER TABLE "Environments" ADD "MonthlyEstimateMaxUsd" numeric(18,2) NULL;
