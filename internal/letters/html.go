package letters

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"strings"
)

// htmlLetter is the HTML form of a letter: an <article> for a page of the
// site (its style sheet carries the .letter rules, print rules included);
// no script, no inline style, the QR code as inline SVG.
var htmlLetter = template.Must(template.New("letter").Parse(`<article class="letter" lang="{{.Lang}}">
{{- range .Blocks}}
{{- if eq .Kind "title"}}
<h1>{{.Text}}</h1>
{{- else if eq .Kind "heading"}}
<h2>{{.Text}}</h2>
{{- else if eq .Kind "field"}}
{{- if .Label}}
<p class="letter-field"><strong>{{.Label}}{{if .Text}}:{{end}}</strong> {{.Text}}</p>
{{- else}}
<p class="letter-from"><strong>{{.Text}}</strong></p>
{{- end}}
{{- else if eq .Kind "para"}}
<p>{{.Text}}</p>
{{- else if eq .Kind "note"}}
<p class="letter-note"><strong>{{.Text}}</strong></p>
{{- else if eq .Kind "item"}}
<h3>{{.Label}}: {{.Text}}</h3>
{{- else if eq .Kind "detail"}}
<p class="letter-detail">{{if .Label}}{{.Label}}: {{end}}{{.Text}}</p>
{{- end}}
{{- end}}
<section class="letter-verify">
<h2>{{.V.Heading}}</h2>
<a class="letter-qr" href="{{.V.Link}}"><svg viewBox="0 0 {{.QRSize}} {{.QRSize}}" width="136" height="136" role="img" aria-label="QR"><rect width="{{.QRSize}}" height="{{.QRSize}}" fill="#fff"/><path fill="#000" d="{{.QRPath}}"/></svg></a>
<dl>
<dt>{{.V.IdentLabel}}</dt><dd><code>{{.V.Ident}}</code></dd>
<dt>{{.V.HashLabel}}</dt><dd><code>{{.V.Hash}}</code></dd>
<dt>{{.V.SigLabel}}</dt><dd><code>{{.V.Sig}}</code></dd>
</dl>
<p>{{.V.Text}}</p>
</section>
</article>
`))

var blockNames = map[blockKind]string{bTitle: "title", bHeading: "heading", bField: "field", bPara: "para",
	bItem: "item", bDetail: "detail", bNote: "note"}

// RenderHTML sets the same letter as RenderPDF, as an HTML fragment: the
// same blocks in the same order, the same verification part.
func RenderHTML(d *Document, sig []byte) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(Canonical(d))
	v := verifyBlock(d, hex.EncodeToString(sum[:]), sig)
	m, err := qrModules(v.link)
	if err != nil {
		return nil, err
	}
	type hblock struct{ Kind, Label, Text string }
	var blocks []hblock
	for _, b := range compose(d) {
		blocks = append(blocks, hblock{blockNames[b.kind], b.label, b.text})
	}
	var path strings.Builder
	for r, row := range m {
		for c := 0; c < len(row); {
			if !row[c] {
				c++
				continue
			}
			start := c
			for c < len(row) && row[c] {
				c++
			}
			fmt.Fprintf(&path, "M%d %dh%dv1h-%dz", start+4, r+4, c-start, c-start)
		}
	}
	var buf bytes.Buffer
	err = htmlLetter.Execute(&buf, map[string]any{
		"Lang": d.Lang, "Blocks": blocks, "QRSize": len(m) + 8, "QRPath": path.String(),
		"V": map[string]string{"Heading": v.heading, "IdentLabel": v.identLabel, "Ident": v.ident,
			"HashLabel": v.hashLabel, "Hash": v.hash, "SigLabel": v.sigLabel, "Sig": v.sig, "Text": v.text, "Link": v.link},
	})
	if err != nil {
		return nil, fmt.Errorf("letters: render HTML: %w", err)
	}
	return buf.Bytes(), nil
}
