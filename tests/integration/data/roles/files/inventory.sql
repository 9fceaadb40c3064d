-- The roles test's own schema: run once by db3's init_sql, in the database inventory.
SET ROLE stock;
CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO items (name) VALUES ('bolt'), ('nut'), ('washer');
GRANT SELECT ON items TO reader;
