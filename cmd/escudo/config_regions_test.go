package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The statistics' regions: Banxico's by default, a file beside the
// configuration or an inline list, refused unless every entity is in
// exactly one region.
func TestConfigRegions(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c, err := (&dbFlags{config: write("config.json", `{}`)}).loadConfig()
	if err != nil || c.regions.ByEntity["OAX"] != "sur" {
		t.Fatalf("default: %v %v", err, c.regions.ByEntity["OAX"])
	}
	all := `"AGS","BC","BCS","CAM","COA","COL","CHS","CHH","CDMX","DUR","GTO","GRO","HGO","JAL","MEX","MIC","MOR","NAY","NL","OAX","PUE","QRO","QR","SLP","SIN","SON","TAB","TAM","TLX","VER","YUC"`
	write("regiones.json", `[{"code":"pacifico","name":"Pacífico","entities":["ZAC"]},{"code":"resto","entities":[`+all+`]}]`)
	c, err = (&dbFlags{config: write("config.json", `{"regions":"regiones.json"}`)}).loadConfig()
	if err != nil || c.regions.ByEntity["ZAC"] != "pacifico" || c.regions.Names["pacifico"] != "Pacífico" {
		t.Fatalf("file: %v %+v", err, c.regions)
	}
	for name, body := range map[string]string{
		"an entity left out": `{"regions":[{"code":"a","entities":["ZAC"]},{"code":"b","entities":["BC"]}]}`,
		"an entity twice":    `{"regions":[{"code":"a","entities":["ZAC","BC"]},{"code":"b","entities":[` + all + `]}]}`,
		"no such file":       `{"regions":"nada.json"}`,
	} {
		if _, err := (&dbFlags{config: write("config.json", body)}).loadConfig(); err == nil || !strings.Contains(err.Error(), "regions") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
