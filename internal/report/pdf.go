package report

import (
	"bytes"
	"fmt"

	"codeberg.org/go-pdf/fpdf"

	"escudo/internal/letters"
)

const (
	margin = 18.0
	pageW  = 210.0
	textW  = pageW - 2*margin
)

func setFont(pdf *fpdf.Fpdf, bold bool, size float64) {
	pdf.SetFont("DejaVu", "", size)
	if bold {
		pdf.SetTextRenderingMode(2) // fill, then stroke, as the letters' headings
		pdf.SetLineWidth(size * 0.0105)
		return
	}
	pdf.SetTextRenderingMode(0)
	pdf.SetLineWidth(0.2)
}

// PDF sets the report as an A4 PDF with the letters' font. The same
// report always gives the same bytes: its dates are its releases'
// publication, its catalogues sorted, nothing in it random.
func (r *Report) PDF() ([]byte, error) {
	pdf := letters.NewPDF(r.Title+": "+r.PeriodLabel, r.Lang, r.Published, margin)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		setFont(pdf, false, 7.5)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 4, r.T("report.pdf_page", "Title", r.Title, "Period", r.PeriodLabel, "N", fmt.Sprint(pdf.PageNo()), "Total", "{nb}"), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	setFont(pdf, true, 15)
	pdf.MultiCell(textW, 7, r.Title+": "+r.PeriodLabel, "", "L", false)
	pdf.Ln(2)
	setFont(pdf, false, 9.5)
	pdf.MultiCell(textW, 4.8, r.T("report.lead."+r.Kind, "Period", r.PeriodLabel), "", "L", false)
	pdf.MultiCell(textW, 4.8, r.T("report.published_on", "Date", r.Published.Format("2006-01-02"))+" "+r.T("stats.how_1"), "", "L", false)
	pdf.MultiCell(textW, 4.8, r.T("stats.mark_primary")+": "+r.T("report.mark_primary_means")+"  "+r.T("stats.mark_hidden")+": "+r.T("stats.mark_hidden_means"), "", "L", false)

	heading := func(s string) {
		pdf.Ln(3)
		setFont(pdf, true, 11.5)
		pdf.MultiCell(textW, 6, s, "B", "L", false)
		pdf.Ln(1)
	}
	heading(r.T("report.times"))
	for _, f := range r.Times {
		setFont(pdf, false, 9)
		pdf.CellFormat(70, 5, f.Label, "B", 0, "L", false, 0, "")
		pdf.MultiCell(textW-70, 5, r.FigureText(f), "B", "L", false)
	}
	for _, t := range r.Tables {
		heading(t.Title)
		if t.Note != "" {
			setFont(pdf, false, 8.5)
			pdf.MultiCell(textW, 4.4, t.Note, "", "L", false)
			pdf.Ln(1)
		}
		first := 62.0
		if len(t.Columns) == 1 {
			first = 100
		}
		col := (textW - first) / float64(max(1, len(t.Columns)))
		header := func() {
			setFont(pdf, true, 8.5)
			pdf.CellFormat(first, 5, t.RowHead, "B", 0, "L", false, 0, "")
			for _, c := range t.Columns {
				pdf.CellFormat(col, 5, c, "B", 0, "R", false, 0, "")
			}
			pdf.Ln(-1)
		}
		header()
		for _, row := range t.Rows {
			if pdf.GetY() > 297-margin-8 {
				pdf.AddPage()
				header()
			}
			setFont(pdf, row.Total, 8.5)
			pdf.CellFormat(first, 4.6, row.Label, "B", 0, "L", false, 0, "")
			for _, c := range row.Cells {
				pdf.CellFormat(col, 4.6, r.Text(c), "B", 0, "R", false, 0, "")
			}
			pdf.Ln(-1)
		}
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("report: pdf: %w", err)
	}
	return b.Bytes(), nil
}

// Write writes the report in format (one of Formats).
func (r *Report) Write(w interface{ Write([]byte) (int, error) }, format string) error {
	switch format {
	case "pdf":
		b, err := r.PDF()
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	case "csv":
		return r.CSV(w)
	case "json":
		return r.JSON(w)
	}
	return r.HTML(w)
}
