package main

import (
	"fmt"
	"math"
	"os"
	"strings"
)

// A series is one line of the plot: check time (ns) by organization size.
type series struct {
	name   string
	color  string
	points [][2]float64 // users, ns
}

// writePlot draws check time against organization size, both on log
// scales, as an SVG file: no plotting tool needed to rerun the benchmark.
func writePlot(path, title, note string, lines []series) error {
	const (
		w, h                     = 760, 460
		left, right, top, bottom = 80, 200, 50, 72
	)
	var xs, ys []float64
	for _, s := range lines {
		for _, p := range s.points {
			xs, ys = append(xs, p[0]), append(ys, p[1])
		}
	}
	if len(xs) == 0 {
		return fmt.Errorf("plot: no points")
	}
	x0, x1 := decades(xs)
	y0, y1 := decades(ys)
	px := func(x float64) float64 {
		return left + (math.Log10(x)-x0)/(x1-x0)*float64(w-left-right)
	}
	py := func(y float64) float64 {
		return float64(h-bottom) - (math.Log10(y)-y0)/(y1-y0)*float64(h-top-bottom)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="13">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="%d" y="28" font-size="16" font-weight="bold">%s</text>`+"\n", left, esc(title))
	// Grid and ticks: one line per decade.
	for d := x0; d <= x1; d++ {
		x := px(math.Pow(10, d))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x, top, x, h-bottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x, h-bottom+20, count(math.Pow(10, d)))
	}
	for d := y0; d <= y1; d++ {
		y := py(math.Pow(10, d))
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", left, y, w-right, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", left-8, y+4, duration(math.Pow(10, d)))
	}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>`+"\n", left, top, w-left-right, h-top-bottom)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">users in the organization (log scale)</text>`+"\n", left+(w-left-right)/2, h-bottom+40)
	fmt.Fprintf(&b, `<text transform="translate(18 %d) rotate(-90)" text-anchor="middle">time of one check, p50 (log scale)</text>`+"\n", top+(h-top-bottom)/2)
	for i, s := range lines {
		var pts []string
		for _, p := range s.points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(p[0]), py(p[1])))
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5"/>`+"\n", strings.Join(pts, " "), s.color)
		for j, p := range s.points {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"><title>%s: %s at %s users</title></circle>`+"\n",
				px(p[0]), py(p[1]), s.color, esc(s.name), duration(p[1]), count(p[0]))
			x, anchor := px(p[0])+6, "start"
			if j == len(s.points)-1 && j > 0 { // the last label goes left, inside the frame
				x, anchor = px(p[0])-6, "end"
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="%s" text-anchor="%s">%s</text>`+"\n", x, py(p[1])-8, s.color, anchor, duration(p[1]))
		}
		ly := top + 10 + 24*i
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2.5"/>`+"\n", w-right+16, ly, w-right+40, ly, s.color)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", w-right+46, ly+4, esc(s.name))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#555">%s</text>`+"\n", left, h-8, esc(note))
	b.WriteString("</svg>\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// decades returns the whole powers of ten around values, as exponents.
func decades(values []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range values {
		lo, hi = math.Min(lo, math.Log10(v)), math.Max(hi, math.Log10(v))
	}
	lo, hi = math.Floor(lo), math.Ceil(hi)
	if hi == lo {
		hi++
	}
	return lo, hi
}

func count(n float64) string {
	switch {
	case n >= 1e6:
		return fmt.Sprintf("%gM", n/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%gk", n/1e3)
	}
	return fmt.Sprintf("%g", n)
}

// duration formats nanoseconds.
func duration(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.3g ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.3g µs", ns/1e3)
	}
	return fmt.Sprintf("%.3g ns", ns)
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
