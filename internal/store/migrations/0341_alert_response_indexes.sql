-- Response-time metrics read alerts by the moment each step happened.
CREATE INDEX alerts_acknowledged_at ON alerts(acknowledged_at);
CREATE INDEX alerts_dispatched_at ON alerts(dispatched_at);
CREATE INDEX alerts_resolved_at ON alerts(resolved_at);
CREATE INDEX alerts_first_notified_at ON alerts(first_notified_at);
