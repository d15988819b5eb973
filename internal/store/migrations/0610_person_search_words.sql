-- Search that finds people on encrypted data: each normalised word of a
-- person's name and of their organisation or media outlet gets its own blind
-- index, so any one word finds them; phones are indexed in E.164 so any way of
-- typing the number finds it. The store rebuilds the indexes of existing rows
-- in Go right after this migration (search_index.go), in batches, and marks
-- each row rebuilt with search_version.

CREATE TABLE person_words (
	word_bidx {{blob}} NOT NULL,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	PRIMARY KEY (word_bidx, person_id)
);
CREATE INDEX person_words_person ON person_words(person_id);

ALTER TABLE people ADD COLUMN search_version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX people_search_stale ON people(id) WHERE search_version < 1;
