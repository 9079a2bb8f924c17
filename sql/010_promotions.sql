-- Cart promotions: the catalog of promotions and their redemption limits, what each
-- customer holds, and the redemption ledger with the counters that enforce the limits.
-- See README "Cart promotions" for the semantics; REFERENCE B and C for the original API.

-- How a promotion reaches customers:
--   issued       issued to or earned by individual customers (customer_promotions)
--   pos          point of sale: reaches customers through loyalty tier / supplementary program tags
--   all_loyalty  every loyalty customer: applied at the till, never listed per customer
CREATE TYPE promotion_kind AS ENUM ('issued', 'pos', 'all_loyalty');
CREATE TYPE promotion_application_mode AS ENUM ('discount', 'reward');
CREATE TYPE promotion_restriction_level AS ENUM ('cart', 'customer', 'promotion', 'product', 'category');
CREATE TYPE promotion_restriction_kpi AS ENUM ('redemption', 'discount', 'transaction');
CREATE TYPE promotion_earned_type AS ENUM ('none', 'tier', 'reward', 'loyalty');
-- EXPIRED is derived from valid_till, never stored.
CREATE TYPE promotion_earned_status AS ENUM ('locked', 'unlocked');
CREATE TYPE redemption_outcome AS ENUM
    ('redeemed', 'limit_reached', 'not_issued', 'not_active', 'expired', 'locked');

CREATE TABLE promotions (
    promotion_id        text PRIMARY KEY CHECK (promotion_id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'),
    brand_id            text NOT NULL REFERENCES brands,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind                promotion_kind NOT NULL,
    -- Stored on/off switch; the API's promotionStatus is derived from it and the schedule.
    is_active           boolean NOT NULL DEFAULT true,
    application_mode    promotion_application_mode NOT NULL DEFAULT 'discount',
    starts_at           timestamptz,
    ends_at             timestamptz,
    custom_field_values jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_field_values) = 'object'),
    milestone_id        text CHECK (length(milestone_id) BETWEEN 1 AND 64),
    target_group_id     text CHECK (length(target_group_id) BETWEEN 1 AND 64),
    priority            integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at),
    -- Targets of the composite foreign keys below: they pin a row to the promotion's brand and kind.
    UNIQUE (promotion_id, brand_id, kind),
    UNIQUE (promotion_id, kind)
);

-- Limits, by level and KPI (REFERENCE C.3). max_limit counts redemptions or transactions, or sums
-- discount amounts.
CREATE TABLE promotion_restrictions (
    restriction_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    promotion_id   text NOT NULL REFERENCES promotions ON DELETE CASCADE,
    level          promotion_restriction_level NOT NULL,
    kpi            promotion_restriction_kpi NOT NULL,
    max_limit      numeric(14, 2) NOT NULL CHECK (max_limit > 0),
    product_sku    text CHECK (length(product_sku) BETWEEN 1 AND 128),
    category_id    text CHECK (length(category_id) BETWEEN 1 AND 128),
    CHECK ((level = 'product') = (product_sku IS NOT NULL)),
    CHECK ((level = 'category') = (category_id IS NOT NULL)),
    CHECK (level <> 'product' OR kpi = 'discount'),
    CHECK (level <> 'category' OR kpi = 'redemption'),
    CHECK (kpi = 'discount' OR max_limit = trunc(max_limit))
);
-- One limit per promotion, level, KPI and product/category.
CREATE UNIQUE INDEX promotion_restrictions_unique ON promotion_restrictions
    (promotion_id, level, kpi, coalesce(product_sku, ''), coalesce(category_id, ''));

-- A loyalty program's type travels with its id so tags can require a non-default program.
ALTER TABLE loyalty_programs ADD UNIQUE (program_id, program_type);

-- POS promotions for the members of a loyalty tier.
CREATE TABLE promotion_tiers (
    promotion_id text NOT NULL,
    kind         promotion_kind NOT NULL DEFAULT 'pos' CHECK (kind = 'pos'),
    program_id   text NOT NULL,
    tier_id      text NOT NULL,
    PRIMARY KEY (promotion_id, tier_id),
    FOREIGN KEY (promotion_id, kind) REFERENCES promotions (promotion_id, kind) ON DELETE CASCADE,
    FOREIGN KEY (program_id, tier_id) REFERENCES loyalty_tiers (program_id, tier_id) ON DELETE CASCADE
);
CREATE INDEX promotion_tiers_tier ON promotion_tiers (tier_id);

-- POS promotions for the members of a supplementary (partner) program.
CREATE TABLE promotion_programs (
    promotion_id text NOT NULL,
    kind         promotion_kind NOT NULL DEFAULT 'pos' CHECK (kind = 'pos'),
    program_id   text NOT NULL,
    program_type loyalty_program_type NOT NULL DEFAULT 'supplementary'
                 CHECK (program_type <> 'default'),
    PRIMARY KEY (promotion_id, program_id),
    FOREIGN KEY (promotion_id, kind) REFERENCES promotions (promotion_id, kind) ON DELETE CASCADE,
    FOREIGN KEY (program_id, program_type) REFERENCES loyalty_programs (program_id, program_type)
        ON DELETE CASCADE
);
CREATE INDEX promotion_programs_program ON promotion_programs (program_id);

-- Promotions issued to or earned by a customer. The composite keys keep the promotion an issued
-- one, of a brand the customer belongs to.
CREATE TABLE customer_promotions (
    customer_id              text NOT NULL REFERENCES customers ON DELETE CASCADE,
    promotion_id             text NOT NULL,
    brand_id                 text NOT NULL,
    kind                     promotion_kind NOT NULL DEFAULT 'issued' CHECK (kind = 'issued'),
    earned_type              promotion_earned_type NOT NULL DEFAULT 'none',
    earned_status            promotion_earned_status NOT NULL DEFAULT 'unlocked',
    -- The customer's own deadline; the promotion's end applies as well.
    valid_till               timestamptz,
    event_time               timestamptz NOT NULL,
    milestone_id             text CHECK (length(milestone_id) BETWEEN 1 AND 64),
    -- Set when earned through a supplementary program (the API's supplementaryCriteria).
    supplementary_program_id text,
    supplementary_type       loyalty_program_type
                             CHECK (supplementary_type <> 'default'),
    issued_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, promotion_id),
    FOREIGN KEY (customer_id, brand_id) REFERENCES customer_brands ON DELETE CASCADE,
    FOREIGN KEY (promotion_id, brand_id, kind) REFERENCES promotions (promotion_id, brand_id, kind)
        ON DELETE CASCADE,
    FOREIGN KEY (supplementary_program_id, supplementary_type)
        REFERENCES loyalty_programs (program_id, program_type),
    CHECK ((supplementary_program_id IS NULL) = (supplementary_type IS NULL))
);
CREATE INDEX customer_promotions_promotion ON customer_promotions (promotion_id);

-- Every redemption attempt, keyed by the caller's idempotency key: the ledger of redemptions
-- (outcome 'redeemed') and the remembered answer for retries (any outcome).
CREATE TABLE redemptions (
    customer_id             text NOT NULL REFERENCES customers ON DELETE CASCADE,
    idempotency_key         text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 128),
    redemption_id           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    promotion_id            text NOT NULL REFERENCES promotions,
    -- SHA-256 of the request (key excluded): a retry must repeat it exactly.
    request_hash            bytea NOT NULL CHECK (length(request_hash) = 32),
    outcome                 redemption_outcome NOT NULL,
    transaction_id          text NOT NULL CHECK (length(transaction_id) BETWEEN 1 AND 128),
    cart_id                 text NOT NULL CHECK (length(cart_id) BETWEEN 1 AND 128),
    amount                  numeric(14, 2) NOT NULL CHECK (amount >= 0),
    product_sku             text CHECK (length(product_sku) BETWEEN 1 AND 128),
    category_id             text CHECK (length(category_id) BETWEEN 1 AND 128),
    -- For limit_reached: the limit that stopped it and what was left of it at that moment.
    rejected_restriction_id bigint REFERENCES promotion_restrictions,
    rejected_remaining      numeric(14, 2) CHECK (rejected_remaining >= 0),
    attempted_at            timestamptz NOT NULL,
    PRIMARY KEY (customer_id, idempotency_key),
    CHECK ((outcome = 'limit_reached') = (rejected_restriction_id IS NOT NULL)),
    CHECK ((rejected_restriction_id IS NULL) = (rejected_remaining IS NULL))
);
CREATE INDEX redemptions_transaction ON redemptions (customer_id, promotion_id, transaction_id)
    WHERE outcome = 'redeemed';

-- Counters of the ledger, per limit, kept in the same transaction as the ledger row they count.
-- PROMOTION-level limits are shared by all customers ...
CREATE TABLE promotion_restriction_usage (
    restriction_id bigint PRIMARY KEY REFERENCES promotion_restrictions ON DELETE CASCADE,
    used           numeric(14, 2) NOT NULL CHECK (used >= 0)
);

-- ... every other level is one customer's use; scope_key is the cart for CART-level limits and
-- '' otherwise (a PRODUCT or CATEGORY limit names its product or category itself).
CREATE TABLE customer_restriction_usage (
    customer_id    text NOT NULL REFERENCES customers ON DELETE CASCADE,
    restriction_id bigint NOT NULL REFERENCES promotion_restrictions ON DELETE CASCADE,
    scope_key      text NOT NULL DEFAULT '' CHECK (length(scope_key) <= 128),
    used           numeric(14, 2) NOT NULL CHECK (used >= 0),
    PRIMARY KEY (customer_id, restriction_id, scope_key)
);

-- What the counters should hold, recomputed from the ledger (audits, tests, backfills).
CREATE VIEW restriction_usage_from_ledger AS
SELECT r.restriction_id,
       CASE WHEN r.level = 'promotion' THEN NULL ELSE l.customer_id END AS customer_id,
       CASE WHEN r.level = 'cart' THEN l.cart_id ELSE '' END AS scope_key,
       CASE r.kpi
           WHEN 'redemption' THEN count(*)::numeric
           WHEN 'discount' THEN sum(l.amount)
           ELSE count(DISTINCT (l.customer_id, l.transaction_id))::numeric
       END AS used
FROM redemptions l
JOIN promotion_restrictions r ON r.promotion_id = l.promotion_id
WHERE l.outcome = 'redeemed'
  AND (r.level <> 'product' OR r.product_sku = l.product_sku)
  AND (r.level <> 'category' OR r.category_id = l.category_id)
GROUP BY 1, 2, 3, r.kpi;
