-- Core data shared by both APIs: brands, customers and who they are.
-- Conventions: ids are text (they come from the caller's systems); every customer-scoped table has
-- customer_id first in its primary key and its foreign keys, so it can be distributed by
-- customer_id (Citus) without rewrites. Catalog tables are small reference tables.

CREATE TABLE brands (
    brand_id   text PRIMARY KEY CHECK (brand_id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE lifecycle_stage AS ENUM ('lead', 'trial', 'active', 'at_risk', 'churned');

CREATE TABLE customers (
    customer_id     text PRIMARY KEY CHECK (customer_id ~ '^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$'),
    first_name      text CHECK (length(first_name) <= 150),
    last_name       text CHECK (length(last_name) <= 150),
    email           text CHECK (length(email) <= 320 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
    company         text CHECK (length(company) <= 200),
    region          text CHECK (length(region) <= 64),
    country         text CHECK (country ~ '^[A-Z]{2}$'),
    lifecycle_stage lifecycle_stage,
    segment         text CHECK (length(segment) <= 64),
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Which brands a customer belongs to (API keys are scoped to brands).
CREATE TABLE customer_brands (
    customer_id text NOT NULL REFERENCES customers ON DELETE CASCADE,
    brand_id    text NOT NULL REFERENCES brands,
    PRIMARY KEY (customer_id, brand_id)
);
CREATE INDEX customer_brands_brand ON customer_brands (brand_id);

-- End users of a customer (B2B: many per customer), with their roles.
CREATE TABLE end_users (
    customer_id      text NOT NULL REFERENCES customers ON DELETE CASCADE,
    external_user_id text NOT NULL CHECK (length(external_user_id) BETWEEN 1 AND 128),
    email            text CHECK (length(email) <= 320),
    roles            text[] NOT NULL DEFAULT '{}'
                     CHECK (array_position(roles, NULL) IS NULL AND cardinality(roles) <= 32),
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, external_user_id)
);

CREATE TYPE subscription_status AS ENUM
    ('future', 'in_trial', 'active', 'non_renewing', 'paused', 'cancelled');
CREATE TYPE billing_period_unit AS ENUM ('day', 'week', 'month', 'year');

CREATE TABLE subscriptions (
    customer_id         text NOT NULL REFERENCES customers ON DELETE CASCADE,
    subscription_id     text NOT NULL CHECK (length(subscription_id) BETWEEN 1 AND 128),
    brand_id            text NOT NULL REFERENCES brands,
    plan_id             text NOT NULL CHECK (length(plan_id) BETWEEN 1 AND 128),
    status              subscription_status NOT NULL,
    billing_period      integer NOT NULL DEFAULT 1 CHECK (billing_period > 0),
    billing_period_unit billing_period_unit NOT NULL DEFAULT 'month',
    amount              numeric(14, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
    currency            char(3) NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    started_at          timestamptz NOT NULL,
    trial_end           timestamptz,
    term_end            timestamptz,
    cancel_scheduled_at timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, subscription_id),
    FOREIGN KEY (customer_id, brand_id) REFERENCES customer_brands (customer_id, brand_id),
    CHECK (trial_end IS NULL OR trial_end >= started_at),
    CHECK (term_end IS NULL OR term_end >= started_at)
);

-- Custom attributes known about a customer (the request's `custom` adds to them when mapped).
CREATE TABLE customer_attributes (
    customer_id text NOT NULL REFERENCES customers ON DELETE CASCADE,
    name        text NOT NULL CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_]{0,63}$'),
    value       jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (customer_id, name)
);

-- Loyalty: programs (the default one and supplementary/partner ones) and their tiers.
CREATE TYPE loyalty_program_type AS ENUM ('default', 'supplementary', 'external');

CREATE TABLE loyalty_programs (
    program_id         text PRIMARY KEY CHECK (length(program_id) BETWEEN 1 AND 64),
    brand_id           text NOT NULL REFERENCES brands,
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    program_type       loyalty_program_type NOT NULL,
    partner_program_id text CHECK (length(partner_program_id) <= 64),
    CHECK ((program_type = 'default') = (partner_program_id IS NULL))
);

CREATE TABLE loyalty_tiers (
    tier_id    text PRIMARY KEY CHECK (length(tier_id) BETWEEN 1 AND 64),
    program_id text NOT NULL REFERENCES loyalty_programs,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    rank       integer NOT NULL CHECK (rank >= 0),
    UNIQUE (program_id, rank),
    UNIQUE (program_id, tier_id)
);

-- A customer's membership of a loyalty program: the default program (with a tier) or a
-- supplementary one (tier optional).
CREATE TABLE loyalty_memberships (
    customer_id text NOT NULL REFERENCES customers ON DELETE CASCADE,
    program_id  text NOT NULL REFERENCES loyalty_programs,
    tier_id     text,
    joined_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    PRIMARY KEY (customer_id, program_id),
    FOREIGN KEY (program_id, tier_id) REFERENCES loyalty_tiers (program_id, tier_id),
    CHECK (expires_at IS NULL OR expires_at > joined_at)
);
CREATE INDEX loyalty_memberships_tier ON loyalty_memberships (tier_id) WHERE tier_id IS NOT NULL;
