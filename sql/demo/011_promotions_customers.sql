-- Demo data for cart promotions (see docs/cart-promotions.md): what customers hold, their loyalty
-- memberships and their redemption history. The catalog (loyalty programs and tiers, promotions,
-- their limits and tags) is 010_promotions.yaml, loaded like `gateway load FILE`.
--
-- demo-loyal (acme, gold tier, member of the SkyMiles partner program) sees:
--   acme-welcome10      issued, limits at CART, CUSTOMER and PROMOTION level, one redemption used
--   acme-birthday       earned (REWARD), its one redemption used: ACTIVE with nothing remaining
--   acme-five-orders    earned but LOCKED
--   acme-gold-tv        POS for the gold tier, PRODUCT and CATEGORY limits, partly used
--   acme-miles-bonus    earned through SkyMiles (supplementaryCriteria), always listed
--   acme-flash-2025     issued, ended 2025-06-30: EXPIRED
--   acme-paused         issued, deactivated: INACTIVE
--   acme-free-shipping  issued, REWARD mode, no limits (restrictions: null)
--   acme-skymiles-2x    POS for SkyMiles members: only with includeSupplementary
-- and never: acme-silver-pos (another tier), acme-hotels-night (a program Lou is not in),
-- acme-all-members (all loyalty customers), acme-untagged-pos (POS without tags).
-- demo-b2c (silver tier) sees acme-silver-pos.

INSERT INTO loyalty_memberships (customer_id, program_id, tier_id, joined_at) VALUES
    ('demo-loyal', 'acme-rewards', 'acme-gold', '2024-03-01T00:00:00Z'),
    ('demo-loyal', 'acme-skymiles', NULL, '2024-06-01T00:00:00Z'),
    ('demo-b2c', 'acme-rewards', 'acme-silver', '2024-05-01T00:00:00Z');

INSERT INTO customer_promotions (customer_id, promotion_id, brand_id, earned_type, earned_status,
                                 valid_till, event_time, milestone_id, supplementary_program_id,
                                 supplementary_type) VALUES
    ('demo-loyal', 'acme-welcome10', 'acme', 'none', 'unlocked', NULL, '2025-02-01T09:00:00Z', NULL, NULL, NULL),
    ('demo-loyal', 'acme-birthday', 'acme', 'reward', 'unlocked', '2030-06-30T23:59:59Z', '2025-03-14T00:00:00Z', 'ms-birthday', NULL, NULL),
    ('demo-loyal', 'acme-five-orders', 'acme', 'reward', 'locked', NULL, '2025-04-02T12:30:00Z', 'ms-5-orders', NULL, NULL),
    ('demo-loyal', 'acme-miles-bonus', 'acme', 'loyalty', 'unlocked', NULL, '2025-05-20T08:00:00Z', NULL, 'acme-skymiles', 'supplementary'),
    ('demo-loyal', 'acme-flash-2025', 'acme', 'none', 'unlocked', NULL, '2025-02-01T09:00:00Z', NULL, NULL, NULL),
    ('demo-loyal', 'acme-paused', 'acme', 'none', 'unlocked', NULL, '2025-02-01T09:00:00Z', NULL, NULL, NULL),
    ('demo-loyal', 'acme-free-shipping', 'acme', 'none', 'unlocked', NULL, '2025-02-01T09:00:00Z', NULL, NULL, NULL);

-- Lou's history: one redemption each of welcome10, birthday and gold-tv.
INSERT INTO redemptions (customer_id, idempotency_key, promotion_id, request_hash, outcome,
                         transaction_id, cart_id, amount, product_sku, category_id, attempted_at) VALUES
    ('demo-loyal', 'demo-history-1', 'acme-welcome10', sha256('demo-history-1'), 'redeemed',
     'txn-1001', 'cart-1001', 9.90, NULL, NULL, '2025-02-03T18:00:00Z'),
    ('demo-loyal', 'demo-history-2', 'acme-birthday', sha256('demo-history-2'), 'redeemed',
     'txn-1002', 'cart-1002', 15.00, NULL, NULL, '2025-03-14T12:00:00Z'),
    ('demo-loyal', 'demo-history-3', 'acme-gold-tv', sha256('demo-history-3'), 'redeemed',
     'txn-1003', 'cart-1003', 40.00, 'SKU-TV-55', 'electronics', '2025-04-10T15:00:00Z');

-- The counters start as the ledger says.
INSERT INTO promotion_restriction_usage (restriction_id, used)
SELECT restriction_id, used FROM restriction_usage_from_ledger WHERE customer_id IS NULL;
INSERT INTO customer_restriction_usage (customer_id, restriction_id, scope_key, used)
SELECT customer_id, restriction_id, scope_key, used FROM restriction_usage_from_ledger
WHERE customer_id IS NOT NULL;
