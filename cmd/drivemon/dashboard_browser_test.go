package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/drivemon/drivemon/internal/testinfra"
)

// TestIntegrationBrowserDashboard loads the dashboard in headless Chromium:
// it lists the bots, their files with status, tools and KBs, searches a KB
// (matched words marked), and shows an author's edit in the live feed
// (with its diagnostic) without a reload.
func TestIntegrationBrowserDashboard(t *testing.T) {
	dir := copyTree(t, filepath.Join(testinfra.RepoRoot(t), "examples", "bots"))
	_, httpAddr, stdout := startDevLog(t, dir)
	eventually(t, "the initial scan", func() bool { return strings.Contains(stdout.String(), "ready: 9 files, 9 ok") })
	tab := testinfra.Browser(t)
	if _, err := chromedp.Run(tab, chromedp.Navigate("http://"+httpAddr+"/")); err != nil {
		t.Fatal(err)
	}
	waitJS := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(tab, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			html, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("dashboard: %s (%s): %v\npage:\n%s", what, expr, err, html)
		}
	}
	waitJS("both bots listed", `document.querySelectorAll("section[data-bot]").length === 2`)
	waitJS("files with status", `[...document.querySelectorAll('section[data-bot="harbor"] tr[data-path]')].length === 5 &&
		document.querySelector('section[data-bot="harbor"] tr[data-path="harbor.gbdialog/start.bas"] td.ok') !== null`)
	waitJS("the tool", `document.querySelector('section[data-bot="harbor"] li[data-tool="book-berth"]') !== null`)
	waitJS("the KB", `document.querySelector('section[data-bot="lighthouse"] li[data-kb="history"]') !== null`)
	// The KB search box: a question finds the document, its words marked.
	if _, err := chromedp.Run(tab, chromedp.Evaluate[chromedp.Void](`(() => {
		document.getElementById("kbsel").value = "lighthouse/kb/history";
		document.getElementById("kbq").value = "lantern keepers";
		document.querySelector("#kbform button").click();
	})()`)); err != nil {
		t.Fatal(err)
	}
	waitJS("a KB search hit with its matched words", `document.querySelector('#kbhits li[data-hit^="lighthouse.gbkb/history/tower.md#"] mark') !== null`)
	if _, err := chromedp.Run(tab, chromedp.Evaluate[chromedp.Void](`window.__marker = 7`)); err != nil {
		t.Fatal(err)
	}

	start := filepath.Join(dir, "harbor.gbai", "harbor.gbdialog", "start.bas")
	if err := os.WriteFile(start, []byte("TALK \"hi\"\nIF x = THEN\nEND IF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitJS("the edit in the live feed", `document.getElementById("log").innerText.includes("harbor.gbdialog/start.bas  compiled (1 error")`)
	waitJS("the diagnostic beside the file", `(document.querySelector('section[data-bot="harbor"] tr[data-path="harbor.gbdialog/start.bas"]') || {innerText: ""}).innerText.includes("2:")`)
	if m, err := chromedp.Run(tab, chromedp.Evaluate[int](`window.__marker || 0`)); err != nil || m != 7 {
		t.Fatalf("the dashboard reloaded (marker %d, %v)", m, err)
	}
}
