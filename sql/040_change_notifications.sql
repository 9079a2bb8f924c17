-- Change notifications for the gateways' response caches.
-- Every write sends, at commit, on channel `gateway_changes`:
--   c:<customer_id>   a customer-scoped row changed (one per distinct customer of the statement;
--                     a statement touching more than 100 customers sends `all` instead);
--   p:<promotion_id>  a promotion's shared (PROMOTION-level) usage counters changed;
--   all               a catalog row changed, a table was truncated, or a bulk write happened.
-- Triggers are per STATEMENT with transition tables, so COPY of a million rows runs each trigger
-- once. Transition tables allow one event per trigger: INSERT, UPDATE and DELETE get one each.
-- NOTIFY folds identical payloads of one transaction into one.

CREATE FUNCTION gateway_notify_customers(customer_ids text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(customer_ids) > 100 THEN
        PERFORM pg_notify('gateway_changes', 'all');
    ELSE
        PERFORM pg_notify('gateway_changes', 'c:' || id) FROM unnest(customer_ids) AS id;
    END IF;
END
$$;

CREATE FUNCTION gateway_customers_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM gateway_notify_customers(
        ARRAY(SELECT DISTINCT customer_id FROM new_rows LIMIT 101));
    RETURN NULL;
END
$$;

CREATE FUNCTION gateway_customers_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM gateway_notify_customers(ARRAY(
        SELECT customer_id FROM new_rows UNION SELECT customer_id FROM old_rows LIMIT 101));
    RETURN NULL;
END
$$;

CREATE FUNCTION gateway_customers_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM gateway_notify_customers(
        ARRAY(SELECT DISTINCT customer_id FROM old_rows LIMIT 101));
    RETURN NULL;
END
$$;

-- promotion_restriction_usage rows name a restriction; the cache tracks its promotion.
CREATE FUNCTION gateway_promotion_usage_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gateway_changes', 'p:' || r.promotion_id)
       FROM (SELECT DISTINCT promotion_id FROM promotion_restrictions
              WHERE restriction_id IN (SELECT restriction_id FROM changed_rows)) AS r;
    RETURN NULL;
END
$$;

CREATE FUNCTION gateway_everything_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gateway_changes', 'all');
    RETURN NULL;
END
$$;

DO $$
DECLARE
    customer_tables text[] := ARRAY[
        'customers', 'customer_brands', 'end_users', 'subscriptions', 'customer_attributes',
        'loyalty_memberships', 'customer_promotions', 'redemptions', 'customer_restriction_usage',
        'offer_events', 'offer_fulfillments'];
    catalog_tables text[] := ARRAY[
        'brands', 'loyalty_programs', 'loyalty_tiers', 'promotions', 'promotion_restrictions',
        'promotion_tiers', 'promotion_programs', 'offer_attribute_mappings', 'offers',
        'offer_contents', 'offer_options', 'plays', 'api_keys'];
    t text;
BEGIN
    FOREACH t IN ARRAY customer_tables LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION gateway_customers_inserted()',
                       t || '_notify_insert', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION gateway_customers_updated()',
                       t || '_notify_update', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION gateway_customers_deleted()',
                       t || '_notify_delete', t);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION gateway_everything_changed()',
                       t || '_notify_truncate', t);
    END LOOP;
    FOREACH t IN ARRAY catalog_tables LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION gateway_everything_changed()',
                       t || '_notify', t);
    END LOOP;
END
$$;

CREATE TRIGGER promotion_restriction_usage_notify_insert AFTER INSERT
    ON promotion_restriction_usage REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gateway_promotion_usage_changed();
CREATE TRIGGER promotion_restriction_usage_notify_update AFTER UPDATE
    ON promotion_restriction_usage REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gateway_promotion_usage_changed();
CREATE TRIGGER promotion_restriction_usage_notify_delete AFTER DELETE
    ON promotion_restriction_usage REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gateway_promotion_usage_changed();
CREATE TRIGGER promotion_restriction_usage_notify_truncate AFTER TRUNCATE
    ON promotion_restriction_usage FOR EACH STATEMENT EXECUTE FUNCTION gateway_everything_changed();
