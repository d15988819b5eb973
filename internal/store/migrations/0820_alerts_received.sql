-- The dashboard's response times read the alerts received in the last 30
-- days; without an index on the reception time alone that is a scan of
-- every alert ever received.
CREATE INDEX alerts_received ON alerts(received_at);
