package reliability

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/drivemon/drivemon/pkg/events"
	"github.com/drivemon/drivemon/pkg/events/bus"
	"github.com/drivemon/drivemon/services/compiler"
	"github.com/drivemon/drivemon/services/indexer/extract"
)

// fuzzSeed makes the generated garbage the same in every run.
const fuzzSeed = 20260509

// mutate damages a valid file: flipped bytes, stray block keywords,
// unbalanced quotes and braces, NUL and invalid UTF-8, cut and doubled
// ranges.
func mutate(rng *rand.Rand, src []byte) []byte {
	b := append([]byte(nil), src...)
	tokens := []string{"IF x THEN\n", "END IF\n", "FOR EACH a IN b\n", "NEXT\n", "\"", "{", "}", "#{", "${", "WITH o\n", "BEGIN TALK\n",
		"SELECT CASE\n", "(", ")", ",\n", "\x00", "\xff\xfe", "REM", "'", "PARAM", " AS ", "ENUM [", "SET SCHEDULE \"* *\"\n"}
	for range 1 + rng.IntN(8) {
		if len(b) == 0 {
			b = append(b, 'x')
		}
		i := rng.IntN(len(b))
		switch rng.IntN(5) {
		case 0:
			b[i] ^= byte(1 + rng.IntN(255))
		case 1:
			b = append(b[:i], append([]byte(tokens[rng.IntN(len(tokens))]), b[i:]...)...)
		case 2:
			b = append(b[:i], b[min(len(b), i+rng.IntN(16)):]...)
		case 3:
			j := min(len(b), i+rng.IntN(32))
			b = append(b[:j], append(append([]byte(nil), b[i:j]...), b[j:]...)...)
		case 4:
			b = b[:i]
		}
	}
	return b
}

// garbage is n random bytes.
func garbage(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return b
}

// fuzzConfig is a damaged config.csv: headers in odd places, lone commas,
// values with commas, CSS injection attempts, non-UTF-8 bytes, a BOM, CRLF
// and a long line; never an embedding-* key (those choose the indexer's
// embedding server, a different scenario).
func fuzzConfig(rng *rand.Rand, v int) []byte {
	lines := []string{"name,value", "\uFEFFkey,value", ",", ",,,", "theme-color1,#" + fmt.Sprintf("%06x", rng.UintN(1<<24)),
		"theme-color2,red;} body{display:none", "theme-title,Harbor " + fmt.Sprint(v), "theme-logo,javascript:alert(1)",
		"Answer Mode,direct, with, commas", "just a key", "# comment", "\xff\xfe\xfd,\x00value", "theme-logo-text," + strings.Repeat("w", 4096),
		"param-x,1\r", "", "THEME-TITLE,  upper  ", "llm-model,\"quoted, value\""}
	var b strings.Builder
	for range 5 + rng.IntN(20) {
		b.WriteString(lines[rng.IntN(len(lines))])
		if rng.IntN(4) == 0 {
			b.WriteString("\r")
		}
		b.WriteString("\n")
	}
	return mutate(rng, []byte(b.String()))
}

// docx is a minimal Word document holding text.
func docx(t *testing.T, text string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(w, `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:body></w:document>`, text)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zipBomb is a .docx whose word/document.xml inflates from a few hundred
// KB to size bytes of zeros. The deflate stream is one compressed MiB of
// zeros repeated (a flushed block refers back only to zeros, so the copies
// chain), which builds in milliseconds where compressing 300 MiB under
// -race takes half a minute.
func zipBomb(t *testing.T, mib int) []byte {
	t.Helper()
	var block bytes.Buffer
	fw, err := flate.NewWriter(&block, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	if _, err := fw.Write(zeros); err != nil {
		t.Fatal(err)
	}
	if err := fw.Flush(); err != nil {
		t.Fatal(err)
	}
	stream := bytes.Repeat(block.Bytes(), mib)
	stream = append(stream, 0x03, 0x00) // a final, empty fixed-Huffman block
	crc := uint32(0)
	for range mib {
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(len(stream)), UncompressedSize64: uint64(mib) << 20})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(stream); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawNotification is the body MinIO's NATS target publishes for a PUT.
func rawNotification(bucket, key string) []byte {
	b, _ := json.Marshal(map[string]any{"EventName": "s3:ObjectCreated:Put", "Key": bucket + "/" + url.QueryEscape(key),
		"Records": []any{map[string]any{"eventName": "s3:ObjectCreated:Put", "s3": map[string]any{
			"bucket": map[string]any{"name": bucket}, "object": map[string]any{"key": url.QueryEscape(key)}}}}})
	return b
}

// TestIntegrationBadInput: garbage of every kind arrives at once on a
// running stack (two compilers, two indexers). Each gets a clear outcome or
// diagnostic; none is retried forever; the healthy files written after
// them converge; a fixed upload of each failed file is processed.
// bigKB is the size of the KB document over every limit: the issue's
// 200 MB.
const bigKB = 200_000_000

func TestIntegrationBadInput(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.stack(2, 2)
	ctx, cancel := context.WithTimeout(r.ctx, 4*time.Minute)
	defer cancel()
	rng := rand.New(rand.NewPCG(fuzzSeed, 1))
	bot := r.bot
	rss := watchRSS(ctx, 20*time.Millisecond)
	start := time.Now()

	// Dialogs: fuzzed, binary garbage, one byte over the compiler's limit.
	var fuzzed []string
	for i := range 16 {
		p := fmt.Sprintf("%s.gbdialog/fuzz%02d.bas", bot, i)
		r.write(p, mutate(rng, dialog(fmt.Sprint(i), i)))
		fuzzed = append(fuzzed, p)
	}
	garbageBas := bot + ".gbdialog/garbage.bas"
	r.write(garbageBas, garbage(rng, 4096))
	hugeBas := bot + ".gbdialog/huge.bas"
	r.write(hugeBas, bytes.Repeat([]byte{'\''}, int(compiler.DefaultMaxFileBytes)+1))
	// Long expressions (issue 19): x = a+a+… with 8 000 terms compiles;
	// with 30 000 (60 KB) it is refused with a diagnostic (it once took
	// 6 GB and minutes to encode).
	longExpr := bot + ".gbdialog/long-expression.bas"
	r.write(longExpr, longExpression(8000))
	tooLongExpr := bot + ".gbdialog/too-long-expression.bas"
	r.write(tooLongExpr, longExpression(30000))
	// config.csv rewritten with garbage five times; the last one stays.
	for i := range 5 {
		r.write(bot+".gbot/config.csv", fuzzConfig(rng, i))
	}
	// KB documents: binary garbage as Markdown, a PDF that is not one, a
	// file one byte over the indexer's limit, a zip bomb.
	r.write(bot+".gbkb/faq/garbage.md", garbage(rng, 8192))
	badPDF := bot + ".gbkb/faq/garbage.pdf"
	r.write(badPDF, append([]byte("%PDF-1.7\n"), garbage(rng, 4096)...))
	bigMD := bot + ".gbkb/faq/big.md"
	if limit := extract.New(extract.DefaultLimits()).MaxInput(bigMD); limit >= bigKB {
		t.Fatalf("the indexer reads up to %d bytes: a %d-byte document is not over its limit", limit, bigKB)
	}
	r.write(bigMD, bytes.Repeat([]byte("berth "), bigKB/6+1)[:bigKB])
	bomb := bot + ".gbkb/faq/bomb.docx"
	r.write(bomb, zipBomb(t, 300))
	hostile := writeHostileDocuments(r)
	// Very long names: a 250-byte segment (MinIO refuses more than 255)
	// and a key of about 900 bytes.
	longBas := bot + ".gbdialog/" + strings.Repeat("l", 246) + ".bas"
	r.write(longBas, dialog("long", 1))
	longMD := bot + ".gbkb/faq/" + strings.Repeat("deep/", 150) + strings.Repeat("m", 200) + ".md"
	r.write(longMD, document("deep", 1, 2))
	// Keys the system refuses, which MinIO stores: a backslash, a control
	// character.
	badKeys := []string{bot + ".gbdialog/back\\slash.bas", bot + ".gbkb/faq/ctl\x01.md"}
	for _, k := range badKeys {
		if _, err := r.s3env.Client.PutObject(ctx, r.bucket, k, bytes.NewReader([]byte("TALK 1")), 6, minio.PutObjectOptions{}); err != nil {
			t.Fatalf("putting %q: %v", k, err)
		}
	}
	// Raw notifications: malformed ones, keys with "..", which MinIO
	// itself refuses to store, and the same notification five times.
	waitFor(t, "the detector's raw stream", 30*time.Second, func() (bool, string) {
		_, err := r.js.Stream(ctx, "RAW")
		return err == nil, fmt.Sprint(err)
	})
	notified := bot + ".gbdialog/notified.bas"
	r.write(notified, dialog("notified", 1))
	for _, body := range [][]byte{
		[]byte("{not json"), []byte(`{"Records":[]}`), []byte(`{"Records":[{"s3":{"bucket":{"name":""},"object":{"key":"%zz"}}}]}`),
		rawNotification(r.bucket, bot+".gbdialog/../../etc/passwd.bas"), rawNotification(r.bucket, "../"+bot+".gbdialog/x.bas"),
		rawNotification(r.bucket, notified), rawNotification(r.bucket, notified), rawNotification(r.bucket, notified),
		rawNotification(r.bucket, notified), rawNotification(r.bucket, notified),
	} {
		if _, err := r.js.Publish(ctx, "raw.s3", body); err != nil {
			t.Fatal(err)
		}
	}
	// Healthy files, written last: they must not wait on any of the above.
	r.seed(2)
	badWritten := time.Since(start)

	c := r.converge(2 * time.Minute)

	// Compiler: every dialog compiled once, garbage with diagnostics, no
	// retry.
	for _, p := range append(fuzzed, garbageBas, hugeBas, longBas, notified, longExpr, tooLongExpr) {
		outs := r.outcomesFor(compiler.Name, p)
		if len(outs) == 0 || outs[len(outs)-1].Status != events.StatusOK {
			t.Errorf("compiler outcomes of %s: %+v", events.DisplayPath(p), outs)
		}
	}
	if d := lastOutcome(r.outcomesFor(compiler.Name, garbageBas)).Diagnostics; len(d) == 0 || d[0].Line < 1 || d[0].Severity != "error" {
		t.Errorf("binary garbage compiled without a positioned error: %+v", d)
	}
	if d := lastOutcome(r.outcomesFor(compiler.Name, hugeBas)).Diagnostics; len(d) != 1 || !strings.Contains(d[0].Message, "larger than") {
		t.Errorf("a dialog over the limit: %+v", d)
	}
	for _, d := range lastOutcome(r.outcomesFor(compiler.Name, longExpr)).Diagnostics {
		if d.Severity == "error" {
			t.Errorf("an 8 000-term expression has an error: %+v", d)
		}
	}
	if d := lastOutcome(r.outcomesFor(compiler.Name, tooLongExpr)).Diagnostics; len(d) == 0 || d[0].Severity != "error" || !strings.Contains(d[0].Message, "too large") {
		t.Errorf("a 30 000-term expression: %+v", d)
	}
	if s := r.outcomeStats(compiler.Name); s.MaxAttempt != 1 || s.Failed != 0 {
		t.Errorf("compiler retried or failed bad input: %+v", s)
	}

	// Indexer: the file over the limit and the bomb fail at once, are
	// parked once, and are never tried again.
	for _, tc := range []struct{ path, want string }{{bigMD, "too large"}, {bomb, "decompress"}} {
		outs := r.outcomesFor("indexer", tc.path)
		if len(outs) != 1 || outs[0].Status != events.StatusFailed || outs[0].Attempt != 1 || !strings.Contains(outs[0].Error, tc.want) {
			t.Errorf("indexer outcomes of %s: %+v, want one failed at attempt 1 saying %q", tc.path, outs, tc.want)
		}
	}
	parked := map[string]int{}
	for _, d := range r.deadFor(bus.ConsumerIndexer) {
		parked[d.Original]++
		if d.Deliveries != 1 {
			t.Errorf("parked after %d deliveries: %+v", d.Deliveries, d)
		}
	}
	for _, p := range []string{bigMD, bomb} {
		if s := subjectOf(r, p); parked[s] != 1 {
			t.Errorf("%s parked %d times (%v)", p, parked[s], parked)
		}
	}
	// A malformed PDF fails at once too (its content cannot get better;
	// a completed upload is a new change), and so does every hostile
	// document, within the memory bound.
	if err := failedOnce(r.outcomesFor("indexer", badPDF), "malformed"); err != nil {
		t.Errorf("malformed PDF: %v", err)
	}
	checkHostileDocuments(t, r, hostile)

	// Detector: refused keys get a failed outcome naming them (in its
	// error: a listing yields the key only as an error) and no change.
	var detOut []events.Outcome
	for _, o := range r.outcomes.all() {
		if o.Service == "detector" {
			detOut = append(detOut, o)
		}
	}
	for _, k := range append(badKeys, bot+".gbdialog/../../etc/passwd.bas", "../"+bot+".gbdialog/x.bas") {
		n := 0
		for _, o := range detOut {
			if o.Status == events.StatusFailed && strings.Contains(o.Error, strconv.Quote(k)) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d failed detector outcomes name %q, want 1: %+v", n, k, detOut)
		}
		if cs := r.changesFor(k); len(cs) != 0 {
			t.Errorf("refused key %q published: %+v", k, cs)
		}
	}
	if n := len(r.changesFor(notified)); n != 1 {
		t.Errorf("five identical notifications and a listing made %d changes of %s, want 1", n, notified)
	}
	waitFor(t, "malformed notifications parked", 30*time.Second, func() (bool, string) {
		return len(r.deadFor("detector-raw")) == 3, fmt.Sprintf("%+v", r.deadFor("detector-raw"))
	})

	// Fixed uploads: every failed file, replaced by a good version, is
	// processed; the malformed PDF is deleted, which ends its retries.
	fixStart := time.Now()
	r.write(bigMD, document("big", 2, 4))
	r.write(bomb, docx(t, "berths and tides, fixed"))
	r.write(garbageBas, dialog("garbage", 2))
	r.remove(badPDF)
	fixed := r.converge(90 * time.Second)
	for _, p := range []string{bigMD, bomb} {
		if o := lastOutcome(r.outcomesFor("indexer", p)); o.Status != events.StatusOK || o.ChunksTotal == nil || *o.ChunksTotal == 0 {
			t.Errorf("fixed upload of %s: %+v", p, o)
		}
	}
	if d := lastOutcome(r.outcomesFor(compiler.Name, garbageBas)).Diagnostics; len(d) != 0 {
		t.Errorf("fixed dialog still has diagnostics: %+v", d)
	}
	settle := r.settled(90*time.Second, bus.ConsumerCompiler, bus.ConsumerIndexer)
	r.report(t, "bad-input", c, map[string]any{"write_s": badWritten.Round(time.Millisecond), "fix_converge": fixed.Took.Round(10 * time.Millisecond),
		"fix_total": time.Since(fixStart).Round(10 * time.Millisecond), "settle": settle.Round(10 * time.Millisecond),
		"pdf_tries": len(r.outcomesFor("indexer", badPDF)), "raw_parked": len(r.deadFor("detector-raw")), "peak_rss_mb": rss.Peak() >> 20})
	if peak, bound := rss.Peak(), scenarioRSSBound(); peak > bound {
		t.Errorf("resident memory reached %d MiB in the scenario, the bound is %d MiB (race detector: %v)", peak>>20, bound>>20, raceEnabled)
	}
}

// TestIntegrationBadNamesOnFolder: names S3 cannot hold, on the folder
// storage: non-UTF-8 bytes, a 255-byte name, a symbolic link leading out of
// the package, a folder named like a dialog. Each is compiled, indexed or
// served under its exact bytes (outcomes carry path_b64), or refused, and
// a move of a non-UTF-8 file is followed.
func TestIntegrationBadNamesOnFolder(t *testing.T) {
	r := newRig(t, rigOptions{dir: true})
	r.stack(1, 1)
	bot := r.bot
	latin1 := bot + ".gbdialog/caf\xe9.bas"
	kbBytes := bot + ".gbkb/faq/\xff\xfe notes.md"
	cssBytes := bot + ".gbtheme/css/\xe9t\xe9.css"
	long := bot + ".gbkb/faq/" + strings.Repeat("n", 252) + ".md"
	r.write(latin1, dialog("cafe", 1))
	r.write(kbBytes, document("bytes", 1, 3))
	r.write(cssBytes, stylesheet(3))
	r.write(long, document("long", 1, 2))
	r.write(bot+".gbdialog/nested.bas/inner.bas", dialog("inner", 1))
	pkg := filepath.Join(r.root, bot+".gbai")
	if err := os.Symlink("/etc/passwd", filepath.Join(pkg, bot+".gbkb", "faq", "passwd.md")); err != nil {
		t.Fatal(err)
	}
	r.seed(1)
	c := r.converge(60 * time.Second)
	for _, p := range []string{latin1, kbBytes, long} {
		svc := compiler.Name
		if events.Classify(p).Kind == events.KindKB {
			svc = "indexer"
		}
		if o := lastOutcome(r.outcomesFor(svc, p)); o.Status != events.StatusOK {
			t.Errorf("%s outcome of %q: %+v", svc, p, o)
		}
	}
	if outs := r.outcomesFor("indexer", bot+".gbkb/faq/passwd.md"); len(outs) != 0 {
		t.Errorf("a link out of the package was indexed: %+v", outs)
	}
	moved := bot + ".gbdialog/caf\xe9 2.bas"
	if err := os.Rename(filepath.Join(pkg, filepath.FromSlash(latin1)), filepath.Join(pkg, filepath.FromSlash(moved))); err != nil {
		t.Fatal(err)
	}
	m := r.converge(60 * time.Second)
	r.report(t, "bad-names-folder", c, map[string]any{"move_converge": m.Took.Round(10 * time.Millisecond)})
}

func lastOutcome(outs []events.Outcome) events.Outcome {
	if len(outs) == 0 {
		return events.Outcome{}
	}
	return outs[len(outs)-1]
}

// subjectOf is the DRIVE subject of a path of the rig's bot.
func subjectOf(r *rig, path string) string {
	return events.ChangeSubject(&events.Change{Bot: r.bot, Kind: events.Classify(path).Kind, Path: path})
}

// longExpression is a dialog of one assignment x = a+a+…+a of terms terms.
func longExpression(terms int) []byte {
	return []byte("x = a" + strings.Repeat("+a", terms-1) + "\nTALK x\n")
}
