-- Distributing customer-scoped tables by customer_id (Citus) needs every primary key and unique
-- constraint on them to include customer_id. redemption_id stays unique (an identity column
-- never repeats a value); the constraint now names the customer first.
ALTER TABLE redemptions DROP CONSTRAINT redemptions_redemption_id_key;
ALTER TABLE redemptions
    ADD CONSTRAINT redemptions_customer_redemption_key UNIQUE (customer_id, redemption_id);
