-- An event happens once per decision: a client retrying recordOfferEvent (after a timeout or a
-- database outage) must not count a view or dismissal twice.
CREATE UNIQUE INDEX offer_events_once ON offer_events (customer_id, decision_key, type);
