-- A request to investigate names the incident (issue 15, items 2 and 5):
-- the prosecutor is asked about one threat or attack, which the incident's
-- page links to.
ALTER TABLE agency_requests ADD COLUMN incident_id BIGINT REFERENCES incidents(id);
CREATE INDEX agency_requests_incident ON agency_requests (incident_id);
