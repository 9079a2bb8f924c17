-- Demo data: brands and the demo customers (see README "First queries on the demo data").
INSERT INTO brands (brand_id, name) VALUES
    ('acme', 'Acme Streaming'),
    ('globex', 'Globex News');

INSERT INTO customers (customer_id, first_name, last_name, email, company, region, country,
                       lifecycle_stage, segment) VALUES
    ('demo-b2c', 'Bea', 'Consumer', 'bea@example.com', NULL, 'emea', 'GB', 'active', 'consumer'),
    ('demo-none', 'Nils', 'Nomatch', 'nils@example.com', NULL, 'apac', 'NZ', 'lead', 'consumer'),
    ('demo-b2b', NULL, NULL, 'billing@initech.example', 'Initech', 'amer', 'US', 'active', 'enterprise'),
    ('demo-multibrand', 'Mia', 'Multi', 'mia@example.com', NULL, 'emea', 'DE', 'active', 'consumer'),
    ('demo-loyal', 'Lou', 'Loyal', 'lou@example.com', NULL, 'amer', 'US', 'active', 'consumer');

INSERT INTO customer_brands (customer_id, brand_id) VALUES
    ('demo-b2c', 'acme'),
    ('demo-none', 'acme'),
    ('demo-b2b', 'acme'),
    ('demo-multibrand', 'acme'),
    ('demo-multibrand', 'globex'),
    ('demo-loyal', 'acme');
