package escudo_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The layering rules of docs/architecture.md, checked on the source tree so
// that an import that points the wrong way fails the build's tests.

// rulesPackages decide the procedure's rules: pure Go over the domain, no
// database, no HTTP, no third-party code.
var rulesPackages = []string{"internal/access", "internal/coordination", "internal/calibration", "internal/chart", "internal/procedure", "internal/risk", "internal/board", "internal/measure", "internal/disclosure", "internal/prevention", "internal/directory", "internal/comparison", "internal/invitation", "internal/contact", "internal/workload", "internal/funds", "internal/regions"}

// audiences are the web layer's packages, one per kind of client.
var audiences = []string{"internal/web/admin", "internal/web/api", "internal/web/boardroom", "internal/web/directory", "internal/web/funds", "internal/web/gateway", "internal/web/interagency", "internal/web/invites", "internal/web/oversight", "internal/web/prevention", "internal/web/protection", "internal/web/public", "internal/web/shelter", "internal/web/signin", "internal/web/staff"}

// sqlAllowed may import database/sql or a driver: the store, and the two
// helpers that create whole databases for tests and benchmark data sets.
var sqlAllowed = []string{"internal/store", "internal/testdb", "internal/demo"}

type goPackage struct {
	dir     string   // relative to the module root, "" for the root
	imports []string // of non-test files
	lines   int      // of non-test files
}

func loadPackages(t *testing.T) map[string]*goPackage {
	t.Helper()
	pkgs := map[string]*goPackage{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != "." && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(p))
		if dir == "." {
			dir = ""
		}
		pkg := pkgs[dir]
		if pkg == nil {
			pkg = &goPackage{dir: dir}
			pkgs[dir] = pkg
		}
		src, err := os.ReadFile(p) // #nosec G304 -- files of this module's own tree
		if err != nil {
			return err
		}
		pkg.lines += strings.Count(string(src), "\n")
		f, err := parser.ParseFile(fset, p, src, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			pkg.imports = append(pkg.imports, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 10 {
		t.Fatalf("found only %d packages; is the walk still right?", len(pkgs))
	}
	return pkgs
}

func standard(path string) bool {
	return !strings.Contains(strings.Split(path, "/")[0], ".") && !isModule(path)
}

func isModule(path string) bool { return path == "escudo" || strings.HasPrefix(path, "escudo/") }

func within(dir, parent string) bool { return dir == parent || strings.HasPrefix(dir, parent+"/") }

func TestLayering(t *testing.T) {
	pkgs := loadPackages(t)
	for _, p := range pkgs {
		for _, imp := range p.imports {
			local := strings.TrimPrefix(imp, "escudo/")
			switch {
			case p.dir == "" && !standard(imp):
				t.Errorf("the domain (module root) imports %s: only the standard library is allowed", imp)
			case slices.Contains(rulesPackages, p.dir) && !standard(imp) && imp != "escudo":
				t.Errorf("rules package %s imports %s: only the standard library and the domain are allowed", p.dir, imp)
			case slices.Contains(rulesPackages, p.dir) && (imp == "net/http" || imp == "database/sql" || imp == "os"):
				t.Errorf("rules package %s imports %s: rules touch neither HTTP nor the database nor files", p.dir, imp)
			case (imp == "database/sql" || strings.Contains(imp, "jackc/pgx") || strings.Contains(imp, "modernc.org/sqlite")) &&
				!slices.ContainsFunc(sqlAllowed, func(a string) bool { return within(p.dir, a) }):
				t.Errorf("%s imports %s: only the store touches the database", p.dir, imp)
			case isModule(imp) && within(local, "cmd"):
				t.Errorf("%s imports the command %s", p.dir, imp)
			case isModule(imp) && local == "internal/http" && !within(p.dir, "cmd"):
				t.Errorf("%s imports internal/http: only the command composes the server", p.dir)
			case p.dir == "internal/web" && isModule(imp) && within(local, "internal/web"):
				t.Errorf("the shared web core imports the audience %s: audiences build on the core, not the reverse", imp)
			case slices.Contains(audiences, p.dir) && slices.Contains(audiences, local):
				t.Errorf("audience %s imports audience %s: what both need belongs in internal/web", p.dir, local)
			case within(p.dir, "internal") && !within(p.dir, "internal/web") && p.dir != "internal/http" && isModule(imp) && within(local, "internal/web"):
				t.Errorf("%s imports the web layer %s: the layers below it speak in domain types", p.dir, imp)
			}
		}
	}
	for _, dir := range []string{"internal/store", "internal/web", "internal/http"} {
		if pkgs[dir] == nil {
			t.Errorf("package %s not found; is the layout test still right?", dir)
		}
	}
}

// TestPackagesStaySmall keeps every package but the store under 3,000
// lines of code, so that a feature finds its own package rather than
// swelling one room of the house.
func TestPackagesStaySmall(t *testing.T) {
	const limit = 3000
	for _, p := range loadPackages(t) {
		if p.dir != "internal/store" && p.lines > limit {
			t.Errorf("%s has %d lines of code (tests aside), over %d: split it by what it decides or serves", p.dir, p.lines, limit)
		}
	}
}
