-- 0010: Hangfire replaced Quartz.NET as the job layer (docs/adr/0010-hangfire-job-layer.md): Quartz's tables (0004) go.
-- Hangfire.PostgreSql keeps its own tables in the "hangfire" schema, installed by the job layer after these migrations.

DROP TABLE IF EXISTS qrtz_simple_triggers CASCADE;
DROP TABLE IF EXISTS qrtz_cron_triggers CASCADE;
DROP TABLE IF EXISTS qrtz_simprop_triggers CASCADE;
DROP TABLE IF EXISTS qrtz_blob_triggers CASCADE;
DROP TABLE IF EXISTS qrtz_fired_triggers CASCADE;
DROP TABLE IF EXISTS qrtz_triggers CASCADE;
DROP TABLE IF EXISTS qrtz_job_details CASCADE;
DROP TABLE IF EXISTS qrtz_calendars CASCADE;
DROP TABLE IF EXISTS qrtz_paused_trigger_grps CASCADE;
DROP TABLE IF EXISTS qrtz_paused_job_grps CASCADE;
DROP TABLE IF EXISTS qrtz_scheduler_state CASCADE;
DROP TABLE IF EXISTS qrtz_locks CASCADE;
DROP TABLE IF EXISTS qrtz_execution_history CASCADE;
DROP TABLE IF EXISTS qrtz_misfire_history CASCADE;
DROP TABLE IF EXISTS qrtz_job_status CASCADE;
