-- "Who read my data": every audited read and refusal of a person's objects
-- (the person, their cases, devices and alerts), newest first, found
-- through the objects' ids rather than by scanning the whole log.
CREATE INDEX audit_log_object ON audit_log(object_type, object_id, seq);
CREATE INDEX alerts_person ON alerts(person_id);
