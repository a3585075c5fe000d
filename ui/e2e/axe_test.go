package e2e

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core, vendored (see testdata/axe-core/README.md). It is
// evaluated through the DevTools protocol, which the page's
// Content-Security-Policy does not govern: Gatehouse never serves it.
//
//go:embed testdata/axe-core/axe.min.js
var axeSource string

// phone is the narrowest viewport every page must fit: an iPhone 12–15.
var phone = [2]int64{390, 844}

// pageCheck is one page the accessibility and width loop opens, with the
// status it answers.
type pageCheck struct {
	path   string
	status int64
}

// checkPages opens every page at the laptop and the phone width and fails
// on any axe-core violation, and on a page wider than the phone's viewport
// (sideways scrolling). New pages are checked by adding them to the list.
func checkPages(t *testing.T, tb *tab, pages []pageCheck) {
	t.Helper()
	defer tb.viewport(t, laptop)
	for _, size := range [][2]int64{laptop, phone} {
		tb.viewport(t, size)
		for _, p := range pages {
			tb.open(t, p.path, p.status)
			for _, v := range axeViolations(t, tb) {
				t.Errorf("%s at %dpx: %s", p.path, size[0], v)
			}
			if size == phone {
				if over := eval[int](t, tb, `document.documentElement.scrollWidth - innerWidth`); over > 0 {
					t.Errorf("%s is %dpx wider than a %dpx phone: %s", p.path, over, size[0], widest(t, tb))
				}
			}
		}
	}
}

// axeViolations runs axe-core on the open page: one line per violation
// with the elements at fault.
func axeViolations(t *testing.T, tb *tab) []string {
	t.Helper()
	if !eval[bool](t, tb, `typeof window.axe === "object"`) {
		eval[chromedp.Void](t, tb, axeSource+"\n;undefined")
	}
	var violations []struct {
		ID, Impact, Help string
		Nodes            []struct{ Target []any }
	}
	js := `axe.run(document, {resultTypes: ["violations"]}).then((r) => JSON.stringify(r.violations.map((v) => ({
		ID: v.id, Impact: v.impact, Help: v.help, Nodes: v.nodes.map((n) => ({Target: n.target})),
	}))))`
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe-core on %s: %v", tb.name, tb.path(t), err)
	}
	if err := json.Unmarshal([]byte(out), &violations); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, v := range violations {
		var targets []string
		for _, n := range v.Nodes {
			targets = append(targets, fmt.Sprint(n.Target...))
		}
		lines = append(lines, fmt.Sprintf("%s (%s): %s — %s", v.ID, v.Impact, v.Help, strings.Join(targets, ", ")))
	}
	return lines
}

// widest names the element that reaches furthest right, for the report of
// a page wider than the viewport.
func widest(t *testing.T, tb *tab) string {
	t.Helper()
	return eval[string](t, tb, `(() => {
		let best = null, right = 0;
		for (const e of document.body.querySelectorAll("*")) {
			const r = e.getBoundingClientRect();
			if (r.right > right) { right = r.right; best = e; }
		}
		return best ? best.tagName.toLowerCase() + (best.id ? "#" + best.id : "") + (best.className ? "." + String(best.className).replace(/ /g, ".") : "") + " reaches " + Math.round(right) + "px" : "";
	})()`)
}
