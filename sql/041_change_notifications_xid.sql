-- Change notifications carry the writing transaction's id, so a gateway can tell whether a
-- replica's snapshot already shows the change (replica reads: docs/scaling.md).
-- Payloads become `<xid>/c:<customer_id>`, `<xid>/p:<promotion_id>` and `<xid>/all`, where
-- <xid> is pg_current_xact_id() (64-bit, never wraps). A gateway that predates this reads the
-- unknown kind `<xid>/c` as `all`: it over-invalidates, never serves stale answers.
-- The trigger functions keep their names (the triggers of 040 point at them).

CREATE OR REPLACE FUNCTION gateway_notify_customers(customer_ids text[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    writer text := pg_current_xact_id()::text || '/';
BEGIN
    IF cardinality(customer_ids) > 100 THEN
        PERFORM pg_notify('gateway_changes', writer || 'all');
    ELSE
        PERFORM pg_notify('gateway_changes', writer || 'c:' || id) FROM unnest(customer_ids) AS id;
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION gateway_promotion_usage_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gateway_changes', pg_current_xact_id()::text || '/p:' || r.promotion_id)
       FROM (SELECT DISTINCT promotion_id FROM promotion_restrictions
              WHERE restriction_id IN (SELECT restriction_id FROM changed_rows)) AS r;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION gateway_everything_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gateway_changes', pg_current_xact_id()::text || '/all');
    RETURN NULL;
END
$$;
