-- Unread in-app notices per person: the menu shows their count on every
-- staff page, so the count reads a small index of unread rows only.
CREATE INDEX outbox_inbox_unread ON outbox(recipient_user) WHERE channel = 'inbox' AND read_at IS NULL;
