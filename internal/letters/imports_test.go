package letters_test

import (
	"go/build"
	"strings"
	"testing"
)

// Letters are built from the domain alone: no database, no HTTP; the only
// code from outside is the PDF writer and the QR encoder.
func TestImportsNoDatabaseNoHTTP(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"escudo": true, "escudo/internal/measures": true,
		"codeberg.org/go-pdf/fpdf": true, "github.com/boombuler/barcode/qr": true}
	for _, imp := range pkg.Imports {
		std := !strings.Contains(strings.Split(imp, "/")[0], ".") && !strings.HasPrefix(imp, "escudo")
		switch {
		case strings.HasPrefix(imp, "database/"), imp == "net/http":
			t.Errorf("imports %s", imp)
		case !std && !allowed[imp]:
			t.Errorf("imports %s", imp)
		}
	}
}
