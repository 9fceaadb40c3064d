-- Creates the role :name when it is missing (with :attributes and :password) and prints
-- CHANGED; an existing role is left as it is.
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'name') AS need_role \gset
\if :need_role
CREATE ROLE :"name" WITH :attributes PASSWORD :'password';
\echo CHANGED role
\endif
