package themer

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/drivemon/drivemon/internal/testinfra"
)

// browser drives one tab of headless Chromium.
func browser(t *testing.T) context.Context { return testinfra.Browser(t) }

// poll waits until a JavaScript expression is truthy.
func poll(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({themer: window.themer, links: [...document.querySelectorAll("link")].map(l => l.href), root: document.documentElement.getAttribute("style")})`))
		t.Fatalf("waiting for %s (%s): %v; page state %s", what, expr, err, state)
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// TestIntegrationBrowserSwapsThemeWithoutReload loads the demo page in a
// real browser, changes the stylesheet and then theme-color1 in storage,
// and checks both take effect while the page stays the same document (a
// value stored on window survives); a theme script change then reloads it.
func TestIntegrationBrowserSwapsThemeWithoutReload(t *testing.T) {
	tab := browser(t)
	r := newRig(t, Config{})
	r.write(t, "harbor", "harbor.gbtheme/css/main.css", "main { background-color: rgb(1, 2, 3); }")
	r.waitApplied(t, r.write(t, "harbor", "harbor.gbot/config.csv", "name,value\ntheme-color1,#112233\ntheme-title,Harbor\n"))

	if _, err := chromedp.Run(tab, chromedp.Navigate(r.srv.URL+"/bots/harbor/")); err != nil {
		t.Fatalf("loading the demo page: %v", err)
	}
	poll(t, tab, "the stream's snapshot", `window.themer && window.themer.connected && window.themer.events >= 1`)
	poll(t, tab, "the first stylesheet", `getComputedStyle(document.querySelector("main")).backgroundColor === "rgb(1, 2, 3)"`)
	if got := eval[string](t, tab, `getComputedStyle(document.documentElement).getPropertyValue("--theme-color1").trim()`); got != "#112233" {
		t.Fatalf("--theme-color1 on load = %q, want #112233", got)
	}
	eval[int](t, tab, `window.__marker = 42`)

	// The stylesheet changes in storage; its change event is published.
	r.write(t, "harbor", "harbor.gbtheme/css/main.css", "main { background-color: rgb(4, 5, 6); }")
	poll(t, tab, "the swapped stylesheet", `getComputedStyle(document.querySelector("main")).backgroundColor === "rgb(4, 5, 6)"`)
	poll(t, tab, "the old <link> removed", `document.querySelectorAll("link[data-themer-path]").length === 1`)
	if got := eval[int](t, tab, `window.__marker`); got != 42 {
		t.Fatalf("window.__marker = %d after the swap: the page navigated", got)
	}

	// theme-color1 changes in config.csv.
	r.write(t, "harbor", "harbor.gbot/config.csv", "name,value\ntheme-color1,#445566\ntheme-title,Harbor II\n")
	poll(t, tab, "the new --theme-color1", `getComputedStyle(document.documentElement).getPropertyValue("--theme-color1").trim() === "#445566"`)
	if got := eval[string](t, tab, `getComputedStyle(document.querySelector(".themer-header")).backgroundColor`); got != "rgb(68, 85, 102)" {
		t.Fatalf("header background %q, want rgb(68, 85, 102) from var(--theme-color1)", got)
	}
	if got := eval[string](t, tab, `document.getElementById("title").textContent`); got != "Harbor II" {
		t.Fatalf("title %q, want Harbor II", got)
	}
	if got := eval[int](t, tab, `window.__marker`); got != 42 {
		t.Fatalf("window.__marker = %d after the variables changed: the page navigated", got)
	}

	// A theme script cannot be swapped: the page reloads.
	r.write(t, "harbor", "harbor.gbtheme/js/app.js", "console.log('v2')")
	// The navigation interrupts a running poll, so ask again until the new
	// document answers.
	deadline := time.Now().Add(20 * time.Second)
	for {
		reloaded, err := chromedp.Run(tab, chromedp.Evaluate[bool](`window.__marker === undefined && document.readyState === "complete"`))
		if err == nil && reloaded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reload within 20s of a theme script change (last error %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestIntegrationBrowserKeepsLookAlikeStylesheetsApart: two stylesheets
// whose names differ only in bytes that are not UTF-8 show the same
// "path"; themer.js tells them apart by path_b64, so swapping one leaves
// the other linked.
func TestIntegrationBrowserKeepsLookAlikeStylesheetsApart(t *testing.T) {
	tab := browser(t)
	r := newRig(t, Config{})
	r.write(t, "harbor", "harbor.gbtheme/caf\xe9.css", "main { background-color: rgb(1, 2, 3); }")
	r.waitApplied(t, r.write(t, "harbor", "harbor.gbtheme/caf\xe8.css", "main { color: rgb(7, 8, 9); }"))

	if _, err := chromedp.Run(tab, chromedp.Navigate(r.srv.URL+"/bots/harbor/")); err != nil {
		t.Fatalf("loading the demo page: %v", err)
	}
	poll(t, tab, "the stream's snapshot", `window.themer && window.themer.connected && window.themer.events >= 1`)
	poll(t, tab, "both stylesheets", `getComputedStyle(document.querySelector("main")).backgroundColor === "rgb(1, 2, 3)" && getComputedStyle(document.querySelector("main")).color === "rgb(7, 8, 9)"`)
	if got := eval[int](t, tab, `window.themer.swaps`); got != 0 {
		t.Fatalf("the snapshot swapped %d stylesheets the page already linked", got)
	}

	r.write(t, "harbor", "harbor.gbtheme/caf\xe8.css", "main { color: rgb(10, 11, 12); }")
	poll(t, tab, "the swapped look-alike", `getComputedStyle(document.querySelector("main")).color === "rgb(10, 11, 12)"`)
	poll(t, tab, "two links left", `document.querySelectorAll("link[data-themer-path]").length === 2`)
	if got := eval[string](t, tab, `getComputedStyle(document.querySelector("main")).backgroundColor`); got != "rgb(1, 2, 3)" {
		t.Fatalf("background %q after swapping caf\\xe8.css: the swap replaced caf\\xe9.css", got)
	}
}
