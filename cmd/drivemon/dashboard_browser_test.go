package main

import (
	"fmt"
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
	waitJS("both bots listed", `document.querySelectorAll("details[data-bot]").length === 2`)
	waitJS("files with status", `[...document.querySelectorAll('details[data-bot="harbor"] tr[data-path]')].length === 5 &&
		document.querySelector('details[data-bot="harbor"] tr[data-path="harbor.gbdialog/start.bas"] :is(td.ok, td.warning)') !== null`)
	waitJS("the tool", `document.querySelector('details[data-bot="harbor"] li[data-tool="book-berth"]') !== null`)
	waitJS("the KB", `document.querySelector('details[data-bot="lighthouse"] li[data-kb="history"]') !== null`)
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
	waitJS("the diagnostic beside the file", `(document.querySelector('details[data-bot="harbor"] tr[data-path="harbor.gbdialog/start.bas"]') || {innerText: ""}).innerText.includes("2:")`)
	if m, err := chromedp.Run(tab, chromedp.Evaluate[int](`window.__marker || 0`)); err != nil || m != 7 {
		t.Fatalf("the dashboard reloaded (marker %d, %v)", m, err)
	}

	// Issue 12: a warning about what the bot lacks goes from the row when
	// the tool or the knowledge base appears, and comes back when the
	// knowledge base's last document goes, without start.bas changing.
	pkg := filepath.Join(dir, "lighthouse.gbai")
	write := func(rel, content string) { t.Helper(); writeIn(t, pkg, rel, content) }
	row := `(document.querySelector('details[data-bot="lighthouse"] tr[data-path="lighthouse.gbdialog/start.bas"]') || {textContent: "", dataset: {}})`
	write("lighthouse.gbdialog/start.bas", "ADD TOOL \"pay-fee\"\nUSE KB \"faq\"\nTALK \"Welcome\"\n")
	waitJS("both warnings beside start.bas", row+`.dataset.status === "warning" && `+row+`.textContent.includes('"pay-fee"') && `+row+`.textContent.includes('"faq"')`)
	write("lighthouse.gbdialog/pay-fee.bas", "PARAM amount AS NUMBER DESCRIPTION \"Fee\"\nDESCRIPTION \"Pays a fee\"\nTALK amount\n")
	waitJS("the pay-fee warning gone", row+`.dataset.status === "warning" && !`+row+`.textContent.includes('"pay-fee"') && `+row+`.textContent.includes('"faq"')`)
	write("lighthouse.gbkb/faq/fees.md", "# Fees\n\nThe lantern tour costs two coins.\n")
	waitJS("start.bas ok once faq has a document", row+`.dataset.status === "ok" && !`+row+`.textContent.includes('"faq"')`)
	if err := os.Remove(filepath.Join(pkg, "lighthouse.gbkb", "faq", "fees.md")); err != nil {
		t.Fatal(err)
	}
	waitJS("the faq warning back", row+`.dataset.status === "warning" && `+row+`.textContent.includes('"faq"')`)
}

// TestIntegrationBrowserFleet: the dashboard on 50 generated bots, one
// with a compile error (its message 2 000 characters long) and one with a
// failing KB document, in a 1 400 px window: the error count and red
// status show, the filter keeps only the bad bots, nothing scrolls
// sideways, and the live feed shows past events after a reload.
// Screenshots go to $DRIVEMON_SCREENSHOTS when set.
func TestIntegrationBrowserFleet(t *testing.T) {
	dir := t.TempDir()
	for i := range 50 {
		bot := fmt.Sprintf("bot-%02d", i)
		pkg := writeBot(t, filepath.Join(dir, "bots", fmt.Sprintf("cat-%d", i%5)), bot, i == 1)
		switch i {
		case 0:
			long := strings.Repeat("B", 2000) + " \"hi\"\n"
			os.WriteFile(filepath.Join(pkg, bot+".gbdialog", "broken.bas"), []byte(long), 0o644)
		case 1:
			os.WriteFile(filepath.Join(pkg, bot+".gbot", "config.csv"), []byte("name,value\nembedding-url,http://"+freeAddr(t)+"/v1/embeddings\n"), 0o644)
		case 2:
			os.WriteFile(filepath.Join(pkg, bot+".gbdialog", "nodesc.bas"), []byte("PARAM x AS STRING\nTALK x\n"), 0o644)
		}
	}
	_, httpAddr, stdout := startDevLog(t, dir)
	// 50 bots × 2 files, the broken dialog, the KB document and a tool.
	// The KB document counts as failed, or as ok when its first sync ran
	// before bot-01's settings were published (its change may reach DRIVE
	// before the config.csv's): the indexer then syncs it again with them,
	// and it fails, which the dashboard shows below.
	eventually(t, "the ready line", func() bool {
		out := stdout.String()
		return strings.Contains(out, "ready: 103 files, 102 ok, 1 failed (see dashboard)\n") || strings.Contains(out, "ready: 103 files, 103 ok\n")
	})
	tab := testinfra.Browser(t)
	shots := os.Getenv("DRIVEMON_SCREENSHOTS")
	shoot := func(name string) {
		t.Helper()
		if shots == "" {
			return
		}
		png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(shots, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	waitJS := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(tab, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			text, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.textContent.slice(0, 3000)`))
			t.Fatalf("dashboard: %s (%s): %v\npage:\n%s", what, expr, err, text)
		}
	}
	if _, err := chromedp.Run(tab, chromedp.EmulateViewport(1400, 900)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(tab, chromedp.Navigate("http://"+httpAddr+"/")); err != nil {
		t.Fatal(err)
	}
	waitJS("50 bots listed", `document.querySelectorAll("details[data-bot]").length === 50`)
	waitJS("the fleet's error count", `document.getElementById("fleet").textContent.includes("1 error") && document.getElementById("fleet").textContent.includes("1 failed")`)
	waitJS("the broken bot red and open", `(() => { const d = document.querySelector('details[data-bot="bot-00"]');
		const td = d && d.querySelector('tr[data-path="bot-00.gbdialog/broken.bas"] td.error');
		return d.open && td && getComputedStyle(td).color === "rgb(207, 34, 46)" && d.querySelector("summary").textContent.includes("1 error") })()`)
	waitJS("the failing document", `document.querySelector('details[data-bot="bot-01"] tr[data-path="bot-01.gbkb/faq/hours.md"] td.failed') !== null`)
	waitJS("a tool without a description is its name alone", `document.querySelector('details[data-bot="bot-02"] li[data-tool="nodesc"]').textContent === "nodesc"`)
	waitJS("one document, not documents", `document.querySelector('details[data-bot="bot-01"] li[data-kb="faq"]').textContent.endsWith(" in 1 document")`)
	waitJS("no horizontal scroll at 1 400 px", `document.documentElement.scrollWidth <= window.innerWidth && window.innerWidth === 1400`)
	shoot("dashboard.png")
	if _, err := chromedp.Run(tab, chromedp.Click("#errorsOnly")); err != nil {
		t.Fatal(err)
	}
	waitJS("the filter keeps the bad bots", `[...document.querySelectorAll("details[data-bot]")].map(d => d.dataset.bot).join(",") === "bot-00,bot-01"`)
	shoot("dashboard-errors-only.png")
	if _, err := chromedp.Run(tab, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitJS("past events after a reload", `document.getElementById("log").textContent.includes("bot-00.gbdialog/broken.bas  compiled (1 error)")`)
	if _, err := chromedp.Run(tab, chromedp.SendKeys("#search", "bot-4")); err != nil {
		t.Fatal(err)
	}
	waitJS("the search", `document.querySelectorAll("details[data-bot]").length === 10`)
	shoot("dashboard-search.png")
}
