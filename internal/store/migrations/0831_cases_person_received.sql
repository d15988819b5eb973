-- A search reads its matches' dates from this index alone (store.searchCases):
-- a surname thousands of people share is one index range, not a read of
-- every matching case. It also serves every look-up by person, so it
-- replaces cases_person.
CREATE INDEX cases_person_received ON cases(person_id, received_at);
DROP INDEX cases_person;
