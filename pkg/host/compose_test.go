package host_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/drivemon/drivemon/internal/testinfra"
)

// The deployment under deploy/ is checked here, next to the runtime every
// service binary is built on: the compose file must validate, and every
// variable it sets must be one the code reads.

const composeFile = "deploy/compose/docker-compose.yml"

// drivemonServices are the compose services built from this repository,
// with the replicas each must run.
var drivemonServices = map[string]int{"detector": 1, "compiler": 2, "indexer": 2, "themer": 2, "files": 1}

func TestIntegrationComposeFileValidates(t *testing.T) {
	bin, err := exec.LookPath("docker-compose")
	if err != nil {
		testinfra.Unavailable(t, "docker-compose is not installed (Debian package docker-compose): %v", err)
	}
	// The stack alone, and with the clustered NATS override.
	for _, files := range [][]string{{composeFile}, {composeFile, "deploy/compose/cluster.yml"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var args []string
		for _, f := range files {
			args = append(args, "-f", f)
		}
		cmd := exec.CommandContext(ctx, bin, append(args, "config", "-q")...)
		cmd.Dir = testinfra.RepoRoot(t)
		// Variables the file takes from the shell must have defaults: the
		// secrets and the host ports.
		cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
			k, _, _ := strings.Cut(kv, "=")
			return slices.Contains([]string{"MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "POSTGRES_PASSWORD", "FILES_TOKEN"}, k) ||
				strings.HasSuffix(k, "_HOST_PORT") || strings.HasSuffix(k, "_HOST_PORTS")
		})
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("docker-compose %s config -q: %v\n%s", strings.Join(args, " "), err, out)
		}
		if strings.Contains(string(out), "WARNING") {
			t.Fatalf("docker-compose %s config warns:\n%s", strings.Join(args, " "), out)
		}
	}
}

// composeService is the part of a compose service the checks read.
type composeService struct {
	Build *struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Environment map[string]any `yaml:"environment"`
	Healthcheck struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	Deploy struct {
		Replicas int `yaml:"replicas"`
	} `yaml:"deploy"`
}

func loadCompose(t *testing.T) map[string]composeService {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testinfra.RepoRoot(t), composeFile))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", composeFile, err)
	}
	return f.Services
}

// serviceVars are the variables service reads: the shared ones (package
// host) and its own.
func serviceVars(t *testing.T, root, service string) map[string]bool {
	t.Helper()
	vars := testinfra.EnvConstants(t, filepath.Join(root, "pkg", "host"))
	for v := range testinfra.EnvConstants(t, filepath.Join(root, "services", service)) {
		vars[v] = true
	}
	return vars
}

func TestComposeSetsOnlyVariablesTheCodeReads(t *testing.T) {
	root := testinfra.RepoRoot(t)
	services := loadCompose(t)
	for name, replicas := range drivemonServices {
		t.Run(name, func(t *testing.T) {
			svc, ok := services[name]
			if !ok {
				t.Fatalf("%s has no service %s", composeFile, name)
			}
			vars := serviceVars(t, root, name)
			if len(svc.Environment) == 0 {
				t.Fatalf("service %s sets no environment", name)
			}
			for k := range svc.Environment {
				if !vars[k] {
					t.Errorf("service %s sets %s, which it does not read (it reads %v)", name, k, sortedKeys(vars))
				}
			}
			for _, k := range []string{"DRIVEMON_NATS_URL", "DRIVEMON_HTTP_ADDR", "DRIVEMON_S3_ENDPOINT"} {
				if _, ok := svc.Environment[k]; !ok {
					t.Errorf("service %s does not set %s", name, k)
				}
			}
			if got := max(svc.Deploy.Replicas, 1); got != replicas {
				t.Errorf("service %s runs %d replicas, want %d", name, got, replicas)
			}
			if want := []string{"CMD", "/" + name, "healthcheck"}; !slices.Equal(svc.Healthcheck.Test, want) {
				t.Errorf("service %s health check %q, want %q", name, svc.Healthcheck.Test, want)
			}
			dockerfile := "deploy/docker/" + name + ".Dockerfile"
			if svc.Build == nil || svc.Build.Dockerfile != dockerfile {
				t.Fatalf("service %s is not built from %s", name, dockerfile)
			}
			df, err := os.ReadFile(filepath.Join(root, dockerfile))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{
				"CGO_ENABLED=0 go build -trimpath", "./services/" + name + "/cmd/" + name,
				"FROM gcr.io/distroless/static-debian12:nonroot", "USER nonroot",
				`HEALTHCHECK`, `CMD ["/` + name + `", "healthcheck"]`, `ENTRYPOINT ["/` + name + `"]`,
			} {
				if !strings.Contains(string(df), want) {
					t.Errorf("%s lacks %q", dockerfile, want)
				}
			}
		})
	}
	if _, ok := services["init"]; !ok {
		t.Error("no init service to create the buckets")
	}
}

// TestDeployREADMEDocumentsEveryVariable: every variable a service reads
// is documented for operators.
func TestDeployREADMEDocumentsEveryVariable(t *testing.T) {
	root := testinfra.RepoRoot(t)
	var docs string
	for _, name := range []string{"deploy/README.md", "README.md"} {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err == nil {
			docs += string(b)
		}
	}
	for name := range drivemonServices {
		for v := range serviceVars(t, root, name) {
			if !strings.Contains(docs, "`"+v+"`") {
				t.Errorf("%s (read by %s) is not documented in deploy/README.md", v, name)
			}
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
