-- A password an administrator sets is temporary: the person chooses their
-- own at the next sign-in before any page opens (store.SetTemporaryPassword).
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
