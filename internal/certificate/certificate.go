// Package certificate renders completion certificates as PDF with maroto.
package certificate

import (
	"fmt"
	"strconv"
	"time"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/components/code"
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	mimage "github.com/johnfercher/maroto/v2/pkg/components/image"
	"github.com/johnfercher/maroto/v2/pkg/components/line"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/extension"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/consts/orientation"
	"github.com/johnfercher/maroto/v2/pkg/consts/pagesize"
	"github.com/johnfercher/maroto/v2/pkg/props"

	"github.com/awareportal/portal/internal/brand"
)

// Data is what a certificate shows.
type Data struct {
	ID           string
	LearnerName  string
	CourseTitle  string
	CompletedAt  time.Time
	Score        int
	PartnerName  string
	PartnerLogo  string // SVG, may be empty
	AccentColor  string // #rrggbb
	Organisation string
	VerifyURL    string
}

// Render returns the certificate PDF.
func Render(d Data) ([]byte, error) {
	accent := hexColor(d.AccentColor)
	cfg := config.NewBuilder().
		WithOrientation(orientation.Horizontal).
		WithPageSize(pagesize.A4).
		WithLeftMargin(20).WithRightMargin(20).WithTopMargin(18).
		WithTitle("Certificate of completion: "+d.CourseTitle, true).
		WithAuthor(d.PartnerName, true).
		WithCreator(d.PartnerName+" Training", true).
		WithCreationDate(d.CompletedAt).
		Build()
	m := maroto.New(cfg)

	header := row.New(22)
	if logo, err := brand.PNG(d.PartnerLogo, 256); err == nil && logo != nil {
		header.Add(mimage.NewFromBytesCol(2, logo, extension.Png, props.Rect{Percent: 90}))
	} else {
		header.Add(col.New(2))
	}
	header.Add(text.NewCol(10, d.PartnerName, props.Text{Size: 18, Style: fontstyle.Bold, Color: accent, Top: 6}))
	m.AddRows(header)
	m.AddRows(line.NewRow(6, props.Line{Color: accent, Thickness: 1.2, SizePercent: 100}))
	m.AddRows(row.New(6))

	center := func(s string, size float64, style fontstyle.Type, c *props.Color) props.Text {
		return props.Text{Size: size, Style: style, Align: align.Center, Color: c}
	}
	muted := &props.Color{Red: 82, Green: 96, Blue: 109}
	m.AddRows(
		text.NewRow(16, "CERTIFICATE OF COMPLETION", props.Text{Size: 15, Style: fontstyle.Bold, Align: align.Center, Color: muted}),
		text.NewRow(12, "This certifies that", center("", 13, fontstyle.Normal, muted)),
		text.NewRow(22, d.LearnerName, center("", 34, fontstyle.Bold, nil)),
		text.NewRow(12, "of "+d.Organisation+" has completed the security awareness course", center("", 13, fontstyle.Normal, muted)),
		text.NewRow(20, d.CourseTitle, center("", 26, fontstyle.Bold, accent)),
		text.NewRow(12, fmt.Sprintf("on %s with a quiz score of %d%%.", d.CompletedAt.Format("2 January 2006"), d.Score), center("", 13, fontstyle.Normal, muted)),
	)
	m.AddRows(row.New(4))
	m.AddRows(line.NewRow(4, props.Line{Color: muted, Thickness: 0.3, SizePercent: 100}))
	small := props.Text{Size: 10, Color: muted, Left: 4}
	at := func(top float64) props.Text { p := small; p.Top = top; return p }
	footer := row.New(26)
	footer.Add(
		code.NewQrCol(2, d.VerifyURL, props.Rect{Percent: 100}),
		col.New(10).Add(
			text.New("Certificate ID "+d.ID, at(4)),
			text.New("Verify this certificate at "+d.VerifyURL, at(10)),
			text.New("Issued by "+d.PartnerName+".", at(16)),
		),
	)
	m.AddRows(footer)
	doc, err := m.Generate()
	if err != nil {
		return nil, fmt.Errorf("render certificate %s: %w", d.ID, err)
	}
	return doc.GetBytes(), nil
}

func hexColor(hex string) *props.Color {
	if len(hex) != 7 || hex[0] != '#' {
		return &props.Color{Red: 47, Green: 111, Blue: 222}
	}
	r, _ := strconv.ParseUint(hex[1:3], 16, 8)
	g, _ := strconv.ParseUint(hex[3:5], 16, 8)
	b, _ := strconv.ParseUint(hex[5:7], 16, 8)
	return &props.Color{Red: int(r), Green: int(g), Blue: int(b)}
}
