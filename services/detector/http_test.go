package detector

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/drivemon/drivemon/internal/testinfra"
)

func TestIntegrationStatusRoute(t *testing.T) {
	_, js := testinfra.JetStream(t)
	root := t.TempDir()
	write(t, filepath.Join(root, "harbor.gbai", "a.bas"), "a")
	write(t, filepath.Join(root, "harbor.gbai", "b.bas"), "b")
	svc := runService(t, Config{Dir: root}, Deps{JS: js})
	rr := httptest.NewRecorder()
	svc.Routes().ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/api/detector/status", nil))
	if rr.Code != http.StatusOK {
		t.Fatalf("status %d", rr.Code)
	}
	var st Status
	if err := json.Unmarshal(rr.Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	// The initial scan found two files and published them (and the package).
	if !st.Scanned || st.Found != 2 || st.Published != 3 || st.Processed < 2 {
		t.Errorf("status %+v", st)
	}
}
