package measures_test

import (
	"go/build"
	"strings"
	"testing"
)

// The rules stay pure: the domain and the standard library, no database, no
// HTTP, no other package of the module.
func TestImportsOnlyDomainAndStandardLibrary(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkg.GoFiles) == 0 {
		t.Fatal("no Go files found")
	}
	for _, imp := range pkg.Imports {
		std := !strings.Contains(strings.Split(imp, "/")[0], ".") && !strings.HasPrefix(imp, "escudo/")
		switch {
		case imp == "escudo":
		case strings.HasPrefix(imp, "database/"), strings.HasPrefix(imp, "net/"):
			t.Errorf("imports %s", imp)
		case !std:
			t.Errorf("imports %s, outside the domain and the standard library", imp)
		}
	}
}
