-- Personalized offers: the catalog (attribute mappings, offers with their per-locale
-- content and options, plays) and what customers did with the decisions (events, fulfillments).
-- Catalog tables are small reference tables; customer-scoped tables have customer_id first in their
-- primary key (REFERENCE C.10). Written by `gateway load FILE` (see README "Offers catalog").

CREATE TYPE play_objective AS ENUM ('acquisition', 'expansion', 'retention');
CREATE TYPE play_status AS ENUM ('draft', 'active', 'paused', 'archived');
CREATE TYPE offer_processing_type AS ENUM
    ('billing_update', 'checkout', 'url_redirect', 'webhook', 'email');
CREATE TYPE offer_processing_layout AS ENUM ('in_app', 'full_page');
CREATE TYPE offer_event_type AS ENUM ('viewed', 'dismissed', 'accepted');
CREATE TYPE offer_fulfillment_status AS ENUM ('in_progress', 'completed', 'failed');
CREATE TYPE offer_fulfillment_error AS ENUM
    ('billing_update_failed', 'checkout_abandoned', 'external_fulfillment_failed',
     'internal_error', 'fulfillment_expired');

-- Which request field feeds which custom.* property, per brand. Unmapped input is ignored.
-- source: first_name | last_name | email | custom.<key of the request's custom object>
CREATE TABLE offer_attribute_mappings (
    brand_id text NOT NULL REFERENCES brands ON DELETE CASCADE,
    property text NOT NULL CHECK (property ~ '^[A-Za-z_][A-Za-z0-9_]{0,63}$'),
    source   text NOT NULL
             CHECK (source ~ '^(first_name|last_name|email|custom\.[A-Za-z_][A-Za-z0-9_]{0,63})$'),
    PRIMARY KEY (brand_id, property)
);

CREATE TABLE offers (
    offer_id       text PRIMARY KEY CHECK (offer_id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'),
    brand_id       text NOT NULL REFERENCES brands,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    default_locale text NOT NULL CHECK (default_locale ~ '^[a-z]{2,3}(-[A-Z]{2})?$'),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (offer_id, brand_id)
);

-- Title and description (HTML) per locale; the offer's default locale must have a row.
CREATE TABLE offer_contents (
    offer_id    text NOT NULL REFERENCES offers ON DELETE CASCADE,
    locale      text NOT NULL CHECK (locale ~ '^[a-z]{2,3}(-[A-Z]{2})?$'),
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description text NOT NULL CHECK (length(description) <= 10000),
    PRIMARY KEY (offer_id, locale)
);
ALTER TABLE offers ADD FOREIGN KEY (offer_id, default_locale)
    REFERENCES offer_contents (offer_id, locale) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE offer_options (
    offer_id          text NOT NULL REFERENCES offers ON DELETE CASCADE,
    option_id         text NOT NULL CHECK (option_id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'),
    position          smallint NOT NULL CHECK (position >= 0),
    label             text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    processing_type   offer_processing_type NOT NULL,
    processing_layout offer_processing_layout,
    redirect_url      text CHECK (redirect_url ~ '^https?://[^[:space:]]+$' AND length(redirect_url) <= 2048),
    PRIMARY KEY (offer_id, option_id),
    UNIQUE (offer_id, position) DEFERRABLE INITIALLY DEFERRED,
    CHECK (processing_type <> 'url_redirect' OR redirect_url IS NOT NULL)
);

CREATE TABLE plays (
    play_id                  text PRIMARY KEY CHECK (play_id ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'),
    brand_id                 text NOT NULL REFERENCES brands,
    offer_id                 text NOT NULL,
    name                     text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    objective                play_objective NOT NULL,
    status                   play_status NOT NULL DEFAULT 'draft',
    priority                 integer NOT NULL DEFAULT 0 CHECK (priority BETWEEN -1000000 AND 1000000),
    starts_at                timestamptz,
    ends_at                  timestamptz,
    -- Audience rule (README "Audience rules"); validated by the loader, which compiles it.
    audience                 jsonb NOT NULL DEFAULT '{"all": []}' CHECK (jsonb_typeof(audience) = 'object'),
    traffic_percent          numeric(5, 2) NOT NULL DEFAULT 100 CHECK (traffic_percent BETWEEN 0 AND 100),
    holdout_percent          numeric(5, 2) NOT NULL DEFAULT 0 CHECK (holdout_percent BETWEEN 0 AND 100),
    cooldown                 interval CHECK (cooldown > interval '0'),
    max_accepts_per_customer integer CHECK (max_accepts_per_customer > 0),
    decision_ttl             interval NOT NULL DEFAULT interval '15 minutes'
                             CHECK (decision_ttl BETWEEN interval '1 second' AND interval '1 day'),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at),
    -- A play shows an offer of its own brand.
    FOREIGN KEY (offer_id, brand_id) REFERENCES offers (offer_id, brand_id)
);
CREATE INDEX plays_active_by_brand ON plays (brand_id) WHERE status = 'active';
CREATE INDEX plays_offer ON plays (offer_id);

-- One row, changed by every write to the catalog: gateways cache compiled plays per version.
CREATE TABLE offer_catalog_version (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version    uuid NOT NULL DEFAULT gen_random_uuid(),
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO offer_catalog_version DEFAULT VALUES;

CREATE FUNCTION bump_offer_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE offer_catalog_version SET version = gen_random_uuid(), changed_at = now();
    RETURN NULL;
END
$$;

CREATE TRIGGER offer_attribute_mappings_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON offer_attribute_mappings FOR EACH STATEMENT EXECUTE FUNCTION bump_offer_catalog_version();
CREATE TRIGGER offers_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON offers FOR EACH STATEMENT EXECUTE FUNCTION bump_offer_catalog_version();
CREATE TRIGGER offer_contents_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON offer_contents FOR EACH STATEMENT EXECUTE FUNCTION bump_offer_catalog_version();
CREATE TRIGGER offer_options_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON offer_options FOR EACH STATEMENT EXECUTE FUNCTION bump_offer_catalog_version();
CREATE TRIGGER plays_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON plays FOR EACH STATEMENT EXECUTE FUNCTION bump_offer_catalog_version();
CREATE TRIGGER brands_offer_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON brands FOR EACH STATEMENT EXECUTE FUNCTION bump_offer_catalog_version();

-- What happened to a served decision. `viewed` and `dismissed` come from clients; `accepted` is
-- written with the fulfillment. decision_key is the decision token's digest (REFERENCE C.8).
CREATE TABLE offer_events (
    customer_id      text NOT NULL REFERENCES customers ON DELETE CASCADE,
    event_id         uuid NOT NULL DEFAULT gen_random_uuid(),
    type             offer_event_type NOT NULL,
    play_id          text NOT NULL REFERENCES plays,
    offer_id         text NOT NULL REFERENCES offers,
    external_user_id text CHECK (length(external_user_id) BETWEEN 1 AND 128),
    decision_key     bytea NOT NULL CHECK (length(decision_key) = 16),
    decided_at       timestamptz NOT NULL,
    occurred_at      timestamptz NOT NULL,
    PRIMARY KEY (customer_id, event_id),
    CHECK (occurred_at >= decided_at)
);
-- History read by every personalizedOffers call: per customer, per play and type.
CREATE INDEX offer_events_history ON offer_events (customer_id, play_id, type, occurred_at);

CREATE TABLE offer_fulfillments (
    customer_id       text NOT NULL REFERENCES customers ON DELETE CASCADE,
    fulfillment_id    uuid NOT NULL DEFAULT gen_random_uuid(),
    decision_key      bytea NOT NULL CHECK (length(decision_key) = 16),
    play_id           text NOT NULL REFERENCES plays,
    offer_id          text NOT NULL REFERENCES offers,
    external_user_id  text CHECK (length(external_user_id) BETWEEN 1 AND 128),
    -- The option as it was when accepted: the catalog may change afterwards.
    option_id         text NOT NULL,
    processing_type   offer_processing_type NOT NULL,
    redirect_url      text,
    status            offer_fulfillment_status NOT NULL DEFAULT 'in_progress',
    failure_code      offer_fulfillment_error,
    failure_message   text CHECK (length(failure_message) <= 500),
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (customer_id, fulfillment_id),
    -- One fulfillment per decision: a retried accept returns the same one.
    UNIQUE (customer_id, decision_key),
    CHECK ((status = 'failed') = (failure_code IS NOT NULL)),
    CHECK (failure_message IS NULL OR status = 'failed'),
    CHECK (updated_at >= created_at)
);
