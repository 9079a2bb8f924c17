-- Demo customers' side of personalized offers: subscriptions, end users, attributes,
-- earlier offer events. The catalog is sql/demo/020_offers.yaml. Fixed dates, so tests can pin
-- the clock (any time from 2026 on works).

INSERT INTO subscriptions (customer_id, subscription_id, brand_id, plan_id, status, billing_period,
                           billing_period_unit, amount, currency, started_at, trial_end) VALUES
    ('demo-b2c', 'sub-b2c', 'acme', 'acme-basic', 'active', 1, 'month', 9.99, 'USD',
     '2025-03-01T00:00:00Z', '2025-03-15T00:00:00Z'),
    ('demo-b2b', 'sub-b2b', 'acme', 'acme-team', 'active', 1, 'year', 1200.00, 'USD',
     '2024-09-01T00:00:00Z', NULL),
    ('demo-multibrand', 'sub-mb-acme', 'acme', 'acme-plus', 'active', 1, 'month', 14.99, 'EUR',
     '2025-01-10T00:00:00Z', NULL),
    ('demo-multibrand', 'sub-mb-globex', 'globex', 'globex-digital', 'active', 1, 'month', 6.50,
     'EUR', '2025-02-01T00:00:00Z', NULL);

-- demo-b2b: an admin, a member and a viewer see different offers.
INSERT INTO end_users (customer_id, external_user_id, email, roles) VALUES
    ('demo-b2b', 'u-alice', 'alice@initech.example', '{admin}'),
    ('demo-b2b', 'u-bob', 'bob@initech.example', '{member}'),
    ('demo-b2b', 'u-carol', 'carol@initech.example', '{viewer}');

-- Stored attributes count as custom.* properties without any mapping.
INSERT INTO customer_attributes (customer_id, name, value) VALUES
    ('demo-b2c', 'favorite_genre', '"documentary"'),
    ('demo-b2b', 'seats', '25');

-- demo-multibrand viewed and dismissed the globex bundle in 2025 (its 14-day cool-down is over).
INSERT INTO offer_events (customer_id, type, play_id, offer_id, decision_key, decided_at,
                          occurred_at) VALUES
    ('demo-multibrand', 'viewed', 'globex-bundle', 'globex-digital-bundle',
     decode(md5('demo-decision-1'), 'hex'), '2025-11-02T09:00:00Z', '2025-11-02T09:00:05Z'),
    ('demo-multibrand', 'dismissed', 'globex-bundle', 'globex-digital-bundle',
     decode(md5('demo-decision-1'), 'hex'), '2025-11-02T09:00:00Z', '2025-11-02T09:00:20Z');
