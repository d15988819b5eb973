-- Sessions name their user, so disabling or re-enabling an account destroys
-- every session it had. Sessions from before this column cannot be told
-- apart, so they end here: everyone signs in again once.
DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN user_id BIGINT;
CREATE INDEX sessions_user ON sessions(user_id);
