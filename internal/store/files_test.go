package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"escudo/internal/store"
	"escudo/internal/testdb"
)

// The database, its WAL and shared-memory files are readable by their owner
// alone, whatever the umask, while the store is open and writing.
func TestDatabaseFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DataDir: dir, Keys: testdb.TestKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	seedSecrets(t, db)
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("data folder: %v %v", err, st.Mode())
	}
	for _, f := range []string{"escudo.db", "escudo.db-wal", "escudo.db-shm"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %04o, readable by others", f, st.Mode().Perm())
		}
	}
}
