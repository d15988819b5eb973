-- Signatures of device and gateway requests accepted within the signature
-- tolerance, shared by every node: a captured signed alert cannot be replayed
-- to another node or after a restart. Rows older than the tolerance are
-- removed as new ones arrive.
CREATE TABLE device_signatures (
	device_id BIGINT NOT NULL,
	mac       {{blob}} NOT NULL,
	signed_at BIGINT NOT NULL,
	PRIMARY KEY (device_id, mac)
);
CREATE INDEX device_signatures_signed_at ON device_signatures(signed_at);
