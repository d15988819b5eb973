package letters

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/boombuler/barcode/qr"
)

// DejaVu Sans (Bitstream Vera licence, fonts/LICENSE) covers the letters of
// Mexican indigenous-language names: saltillo ꞌ, modifier apostrophe ʼ,
// barred i ɨ and barred u ʉ among them. The embedded file is DejaVu Sans
// cut to the Latin, Greek and Cyrillic blocks, the IPA and modifier letters
// and punctuation (fonts/README.md says how): each font fpdf loads costs
// several milliseconds per letter whatever its size, so headings are set
// in the same font, stroked, rather than in DejaVu Sans Bold.
//
//go:embed fonts/DejaVuSans.ttf
var fontRegular []byte

// The markers around the payload and the signature in the PDF's XMP
// metadata, which fpdf writes uncompressed.
const (
	payloadOpen  = "<escudo:payload>"
	payloadClose = "</escudo:payload>"
	sigOpen      = "<escudo:signature>"
	sigClose     = "</escudo:signature>"
)

func xmp(payload, sig []byte) []byte {
	var b bytes.Buffer
	b.WriteString("<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">`)
	b.WriteString(`<rdf:Description rdf:about="" xmlns:escudo="urn:escudo:letter:1">`)
	b.WriteString(payloadOpen + base64.StdEncoding.EncodeToString(payload) + payloadClose)
	b.WriteString(sigOpen + base64.StdEncoding.EncodeToString(sig) + sigClose)
	b.WriteString("</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end=\"r\"?>")
	return b.Bytes()
}

// Page geometry, in millimetres.
const (
	margin   = 20.0
	pageW    = 210.0
	textW    = pageW - 2*margin
	qrSize   = 34.0
	lineBody = 5.2
)

// RenderPDF sets the letter as an A4 PDF carrying its canonical payload and
// signature in its metadata and printing its identifier, SHA-256, signature
// and a QR code to the verification page. The same document and signature
// always give the same bytes: the file's dates are the resolution's, its
// catalogues sorted, and nothing in it is random.
func RenderPDF(d *Document, sig []byte) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	payload := Canonical(d)
	sum := sha256.Sum256(payload)
	hash := hex.EncodeToString(sum[:])
	L := d.Lang
	v := verifyBlock(d, hash, sig)
	// The QR code's mask search takes as long as setting a page: it runs
	// beside the setting.
	type modules struct {
		m   [][]bool
		err error
	}
	qrDone := make(chan modules, 1)
	go func() {
		m, err := qrModules(v.link)
		qrDone <- modules{m, err}
	}()

	pdf := NewPDF(say(L, "title."+string(d.Kind))+" "+d.Identifier, L, d.Issued(), margin)
	pdf.SetCompression(false)
	pdf.SetXmpMetadata(xmp(payload, sig))
	pdf.SetFooterFunc(func() {
		pdf.SetY(-14)
		setFont(pdf, false, 7.5)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 4, say(L, "page", "Ident", d.Identifier, "N", fmt.Sprint(pdf.PageNo()), "Total", "{nb}"), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()

	for _, b := range compose(d) {
		switch b.kind {
		case bTitle:
			pdf.Ln(2)
			setFont(pdf, true, 15)
			pdf.MultiCell(textW, 7, b.text, "", "L", false)
			pdf.Ln(3)
		case bHeading:
			pdf.Ln(3)
			setFont(pdf, true, 11.5)
			pdf.MultiCell(textW, 6, b.text, "B", "L", false)
			pdf.Ln(1.5)
		case bField:
			if b.label == "" {
				setFont(pdf, true, 10)
				pdf.MultiCell(textW, lineBody, b.text, "", "L", false)
				continue
			}
			setFont(pdf, true, 10)
			if b.text == "" {
				pdf.Ln(1)
				pdf.MultiCell(textW, lineBody, b.label, "", "L", false)
				continue
			}
			pdf.MultiCell(textW, lineBody, b.label+": ", "", "L", false)
			pdf.SetY(pdf.GetY() - lineBody)
			pdf.SetX(margin + pdf.GetStringWidth(b.label+": "))
			setFont(pdf, false, 10)
			pdf.MultiCell(textW-pdf.GetStringWidth(b.label+": ")-0.5, lineBody, b.text, "", "L", false)
		case bPara:
			setFont(pdf, false, 10)
			pdf.MultiCell(textW, lineBody, b.text, "", "L", false)
			pdf.Ln(1.5)
		case bNote:
			setFont(pdf, true, 10)
			pdf.SetFillColor(238, 238, 238)
			pdf.MultiCell(textW, lineBody+0.6, b.text, "L", "L", true)
			pdf.Ln(1.5)
		case bItem:
			pdf.Ln(1)
			setFont(pdf, true, 10.5)
			pdf.MultiCell(textW, lineBody+0.4, b.label+": "+b.text, "", "L", false)
		case bDetail:
			setFont(pdf, false, 9.5)
			pdf.SetX(margin + 5)
			text := b.text
			if b.label != "" {
				text = b.label + ": " + text
			}
			pdf.MultiCell(textW-5, lineBody-0.4, text, "", "L", false)
		}
	}

	if pdf.GetY()+qrSize+22 > 297-margin {
		pdf.AddPage()
	}
	pdf.Ln(6)
	setFont(pdf, true, 11.5)
	pdf.MultiCell(textW, 6, v.heading, "B", "L", false)
	pdf.Ln(2)
	top := pdf.GetY()
	qrm := <-qrDone
	if qrm.err != nil {
		return nil, qrm.err
	}
	drawQR(pdf, qrm.m, margin, top, qrSize)
	x := margin + qrSize + 5
	w := textW - qrSize - 5
	pdf.SetXY(x, top)
	for _, f := range [][2]string{{v.identLabel, v.ident}, {v.hashLabel, v.hash}, {v.sigLabel, v.sig}} {
		pdf.SetX(x)
		setFont(pdf, true, 8)
		pdf.MultiCell(w, 3.8, f[0], "", "L", false)
		pdf.SetX(x)
		setFont(pdf, false, 8)
		pdf.MultiCell(w, 3.8, f[1], "", "L", false)
		pdf.Ln(0.8)
	}
	pdf.SetX(x)
	setFont(pdf, false, 8)
	pdf.MultiCell(w, 3.8, v.text, "", "L", false)

	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("letters: render: %w", err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("letters: render: %w", err)
	}
	return buf.Bytes(), nil
}

// qrModules is the QR code's matrix of dark modules.
func qrModules(content string) ([][]bool, error) {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("letters: QR code: %w", err)
	}
	b := code.Bounds()
	m := make([][]bool, b.Dy())
	for y := range m {
		m[y] = make([]bool, b.Dx())
		for x := range m[y] {
			r, _, _, _ := code.At(b.Min.X+x, b.Min.Y+y).RGBA()
			m[y][x] = r < 0x8000
		}
	}
	if len(m) == 0 {
		return nil, errors.New("letters: empty QR code")
	}
	return m, nil
}

// drawQR draws the QR code as filled rectangles, one per run of dark
// modules in a row, with a quiet zone of four modules.
func drawQR(pdf *fpdf.Fpdf, m [][]bool, x, y, size float64) {
	n := float64(len(m) + 8)
	cell := size / n
	pdf.SetFillColor(0, 0, 0)
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
			pdf.Rect(x+(float64(start)+4)*cell, y+(float64(r)+4)*cell, float64(c-start)*cell, cell, "F")
		}
	}
	pdf.SetFillColor(255, 255, 255)
}

// setFont sets the letter's font at size points, stroked for bold.
// NewPDF starts an A4 document set as the letters are, for every PDF
// escudo writes (letters, reports, the fund's report): DejaVu Sans
// embedded as "DejaVu", the given title and language, creation and
// modification dates at, catalogues sorted, the same margin on every side
// and at the page break, and "{nb}" standing for the number of pages. The
// same content always gives the same bytes.
func NewPDF(title, lang string, at time.Time, margin float64) *fpdf.Fpdf {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(at)
	pdf.SetModificationDate(at)
	pdf.SetProducer("escudo", false)
	pdf.SetCreator("escudo", false)
	pdf.SetTitle(title, true)
	pdf.SetLang(lang)
	pdf.AddUTF8FontFromBytes("DejaVu", "", fontRegular)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, margin)
	pdf.AliasNbPages("{nb}")
	return pdf
}

// SetFont sets DejaVu Sans at size; bold headings are the same font,
// filled and stroked.
func SetFont(pdf *fpdf.Fpdf, bold bool, size float64) { setFont(pdf, bold, size) }

func setFont(pdf *fpdf.Fpdf, bold bool, size float64) {
	pdf.SetFont("DejaVu", "", size)
	if bold {
		pdf.SetTextRenderingMode(2) // fill, then stroke
		pdf.SetLineWidth(size * 0.0105)
		return
	}
	pdf.SetTextRenderingMode(0)
	pdf.SetLineWidth(0.2)
}
