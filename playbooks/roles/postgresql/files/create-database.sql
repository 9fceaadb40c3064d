-- Creates the database :name owned by :owner when it is missing and prints CHANGED.
SELECT NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'name') AS need_db \gset
\if :need_db
CREATE DATABASE :"name" OWNER :"owner";
\echo CHANGED database
\endif
