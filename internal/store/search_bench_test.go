package store_test

import (
	"context"
	"strings"
	"testing"

	"escudo"
	"escudo/internal/demo"
	"escudo/internal/store"
	"escudo/internal/vault"
)

// BenchmarkCaseSearchWord searches by one word of a stored name (a surname
// many people share, then a rarer given name), through the word indexes.
func BenchmarkCaseSearchWord(b *testing.B) {
	reqs := demo.Generate(demo.DatasetSeed, 500, demo.DatasetNow)
	for _, e := range engines {
		measure(b, e, func(ctx context.Context, db *store.DB, i int) error {
			words := vault.Words(reqs[i%len(reqs)].Person.Name)
			list, total, err := db.FindCases(ctx, escudo.CaseFilter{Query: words[i%len(words)]})
			if err == nil && (total == 0 || len(list) == 0) {
				b.Fatalf("no case found for a word of a stored name")
			}
			return err
		})
	}
}

// BenchmarkCaseSearchPhone searches by a stored phone typed another way
// (digits only, no country code).
func BenchmarkCaseSearchPhone(b *testing.B) {
	reqs := demo.Generate(demo.DatasetSeed, 500, demo.DatasetNow)
	var phones []string
	for _, r := range reqs {
		if r.Person.Phone != "" {
			phones = append(phones, strings.TrimPrefix(vault.NormalizePhone(r.Person.Phone, ""), "+52"))
		}
	}
	for _, e := range engines {
		measure(b, e, func(ctx context.Context, db *store.DB, i int) error {
			list, total, err := db.FindCases(ctx, escudo.CaseFilter{Query: phones[i%len(phones)]})
			if err == nil && (total == 0 || len(list) == 0) {
				b.Fatalf("no case found for a stored phone")
			}
			return err
		})
	}
}
