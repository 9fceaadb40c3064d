-- Acme Retail's shop schema and the catalogue the mirror starts with. db1 runs it once at
-- converge (its `init_sql` param), in the database `shop`, as the tables' owner `shop`.
SET ROLE shop;

CREATE TABLE products (
    id          serial PRIMARY KEY,
    name        text NOT NULL,
    price_cents integer NOT NULL
);

INSERT INTO products (name, price_cents) VALUES
    ('Espresso beans 1kg', 2490),
    ('Pour-over kettle', 5900),
    ('Ceramic mug', 1200),
    ('Paper filters x100', 450);

CREATE TABLE orders (
    id         serial PRIMARY KEY,
    product_id integer NOT NULL REFERENCES products (id),
    quantity   integer NOT NULL CHECK (quantity > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
