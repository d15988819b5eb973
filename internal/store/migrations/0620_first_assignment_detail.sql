-- A first assignment was stored as "0>ID" (from nobody to ID), which the
-- timeline read as "assigned: nobody". It names only its assignee, as the
-- assignments made at intake always did.
UPDATE case_events SET detail = SUBSTR(detail, 3) WHERE kind = 'assigned' AND detail LIKE '0>%';
