package main

import (
	"context"
	"fmt"
	"io"

	"escudo/internal/directory"
	"escudo/internal/store"
)

func init() {
	register("directory seed", "add the reference directory's bodies that are missing (federal institutions, each entity's government, prosecutor and commission, the IACHR); existing entries stay as they are", storeCommand("directory seed", cmdDirectorySeed))
}

func cmdDirectorySeed(ctx context.Context, db *store.DB, stdout io.Writer) error {
	n, err := db.SeedDirectory(ctx, directory.Reference())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d bodies added to the directory (%d in the reference)\n", n, len(directory.Reference()))
	return nil
}
