-- Two roles for Tadamun, run once by the postgres image on an empty data volume.
-- tadamun_owner owns the database and runs the migrations; tadamun_app is the
-- least-privileged role the web processes and workers log in as (the migrations
-- grant it what it needs). The postgres superuser is for this script only.
-- Passwords come from the container's environment (psql's \getenv).
\set ON_ERROR_STOP on
\getenv owner_password TADAMUN_OWNER_PASSWORD
\getenv app_password TADAMUN_APP_PASSWORD

CREATE ROLE tadamun_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE tadamun_app LOGIN PASSWORD :'app_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;

CREATE DATABASE tadamun OWNER tadamun_owner;
-- No TEMPORARY for anyone: the app needs no temporary tables, and a session's
-- temporary table is how a hostile session would try to shadow a ledger table.
REVOKE ALL ON DATABASE tadamun FROM PUBLIC;
GRANT CONNECT ON DATABASE tadamun TO tadamun_app;

\connect tadamun
-- Only the owner creates objects; the public schema belongs to the database owner.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO tadamun_app;
