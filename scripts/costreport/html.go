package main

import (
	"fmt"
	"html"
	"strings"
	"time"
)

// html renders the report as one self-contained page: the table and two inline
// SVG bar charts (cost per million at each size; cold start and warm duration).
func (r report) html() string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>CivicQ cost report</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}caption{text-align:left;font-weight:bold;margin:.5em 0}.note{max-width:60em}</style></head><body>
<h1>CivicQ cost report</h1>`)
	fmt.Fprintf(&b, "<p>Generated %s.</p><p class=note><b>Source:</b> %s</p>\n", r.When.Format(time.RFC3339), html.EscapeString(strings.ReplaceAll(r.Source, "`", "")))
	b.WriteString(r.costChart())
	b.WriteString(r.timeChart())
	b.WriteString("<table><caption>Per function</caption><tr><th>function</th><th>cold p50 ms</th><th>cold p95 ms</th><th>warm p50 ms</th><th>warm p95 ms</th><th>handler p50 ms</th><th>peak MB</th><th>arm64 binary</th><th>set now</th><th>$/M 128 MB</th><th>$/M 256 MB</th><th>$/M 512 MB</th><th>recommended</th></tr>\n")
	for _, l := range r.Lines {
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%.2f</td><td>%.2f</td><td>%s</td><td>%.1f</td><td>%s</td><td>%d MB</td><td>$%.4f</td><td>$%.4f</td><td>$%.4f</td><td><b>%d MB</b></td></tr>\n",
			html.EscapeString(l.Name), opt(l.ColdP50, 1, ""), opt(l.ColdP95, 1, ""), l.WarmP50, l.WarmP95, opt(l.HandlerP50, 2, ""), l.PeakMB, mib(l.ArmBytes), l.MemoryMB,
			l.PerMillion[128], l.PerMillion[256], l.PerMillion[512], l.Recommended)
	}
	b.WriteString("</table>\n")
	md := r.markdown()
	if i := strings.Index(md, "How it is computed:"); i >= 0 {
		b.WriteString("<div class=note><p><b>How it is computed:</b></p><ul>")
		for _, ln := range strings.Split(md[i:], "\n")[1:] {
			if strings.HasPrefix(ln, "- ") {
				fmt.Fprintf(&b, "<li>%s</li>", html.EscapeString(strings.ReplaceAll(ln[2:], "`", "")))
			}
		}
		b.WriteString("</ul></div>")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// bars draws a horizontal grouped bar chart: one group per function, one bar per series.
func bars(title string, names []string, series []string, colors []string, values [][]float64, unit string, format string) string {
	const left, barH, gap, width = 150, 12, 10, 480
	var peak float64
	for _, vs := range values {
		for _, v := range vs {
			peak = max(peak, v)
		}
	}
	if peak == 0 {
		peak = 1
	}
	groupH := barH*len(series) + gap
	h := 40 + groupH*len(names) + 20
	var b strings.Builder
	fmt.Fprintf(&b, `<figure><svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="%s">`, left+width+120, h, html.EscapeString(title))
	fmt.Fprintf(&b, `<text x="0" y="16" font-weight="bold">%s</text>`, html.EscapeString(title))
	for i, s := range series {
		x := left + i*120
		fmt.Fprintf(&b, `<rect x="%d" y="24" width="10" height="10" fill="%s"/><text x="%d" y="33" font-size="12">%s</text>`, x, colors[i], x+14, html.EscapeString(s))
	}
	for gi, n := range names {
		y := 40 + gi*groupH
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" text-anchor="end">%s</text>`, left-6, y+groupH/2+2, html.EscapeString(n))
		for si := range series {
			v := values[gi][si]
			w := int(float64(width) * v / peak)
			by := y + si*barH
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s %s: `+format+` %s</title></rect>`, left, by, max(w, 1), barH-2, colors[si], html.EscapeString(n), html.EscapeString(series[si]), v, unit)
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10">`+format+`</text>`, left+w+4, by+barH-3, v)
		}
	}
	b.WriteString("</svg></figure>\n")
	return b.String()
}

func (r report) costChart() string {
	var names []string
	var vals [][]float64
	for _, l := range r.Lines {
		names = append(names, l.Name)
		vals = append(vals, []float64{l.PerMillion[128], l.PerMillion[256], l.PerMillion[512]})
	}
	return bars("Cost per million invocations (USD, arm64)", names, []string{"128 MB", "256 MB", "512 MB"},
		[]string{"#4e79a7", "#f28e2b", "#e15759"}, vals, "USD", "$%.3f")
}

func (r report) timeChart() string {
	var names []string
	var vals [][]float64
	for _, l := range r.Lines {
		names = append(names, l.Name)
		vals = append(vals, []float64{l.ColdP50, l.WarmP50, l.PeakMB})
	}
	return bars("Cold start p50 (ms), warm p50 (ms), peak memory (MB)", names, []string{"cold p50 ms", "warm p50 ms", "peak MB"},
		[]string{"#59a14f", "#76b7b2", "#b07aa1"}, vals, "", "%.1f")
}
