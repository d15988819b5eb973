-- The agency an instruction is addressed to, by name, for the lists that
-- show letters without opening their sealed content (a directory entry,
-- not personal data).
ALTER TABLE letters ADD COLUMN agency_name TEXT;
