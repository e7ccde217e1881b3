package metrics_test

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/metrics"
)

// dashboard is what Grafana needs of a dashboard to import it.
type dashboard struct {
	Inputs []struct {
		Name     string `json:"name"`
		Type     string `json:"type"`
		PluginID string `json:"pluginId"`
	} `json:"__inputs"`
	Title         string  `json:"title"`
	UID           string  `json:"uid"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name string `json:"name"`
			Type string `json:"type"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID      int    `json:"id"`
	Type    string `json:"type"`
	Title   string `json:"title"`
	GridPos *struct {
		H, W, X, Y int
	} `json:"gridPos"`
	Datasource *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
}

// metricName finds the metric names of harden in a PromQL expression.
var metricName = regexp.MustCompile(`\bharden_[a-zA-Z0-9_:]+`)

// registryNames returns the series names the registry of a Metrics
// exposes (histograms as their _bucket, _sum and _count series), every
// collector touched once so that it has a series.
func registryNames(t *testing.T) map[string]string {
	t.Helper()
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	m.ObserveEvent(httptest.NewRequest("GET", "/", nil), secevent.CSRFFailure, 403)
	m.ObserveRequest(httptest.NewRequest("GET", "/", nil), 200, time.Millisecond)
	m.StoreError(true)
	m.ObserveStore("load", time.Millisecond, errors.New("down"))
	m.ObserveWriteError(errors.New("disk full"))
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{} // series name -> family
	for _, f := range fams {
		n := f.GetName()
		if f.GetType() == dto.MetricType_HISTOGRAM {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				names[n+s] = n
			}
			continue
		}
		names[n] = n
	}
	return names
}

func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "grafana", "harden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("not valid JSON: %v", err)
	}
	if d.Title == "" || d.UID == "" || d.SchemaVersion < 30 || len(d.Panels) == 0 {
		t.Fatalf("title %q, uid %q, schemaVersion %d, %d panels: Grafana needs all of them", d.Title, d.UID, d.SchemaVersion, len(d.Panels))
	}
	if len(d.Inputs) != 1 || d.Inputs[0].Name != "DS_PROMETHEUS" || d.Inputs[0].Type != "datasource" || d.Inputs[0].PluginID != "prometheus" {
		t.Errorf("__inputs = %+v, want the one Prometheus data source DS_PROMETHEUS", d.Inputs)
	}

	names := registryNames(t)
	used := map[string]bool{}
	ids := map[int]bool{}
	for _, p := range d.Panels {
		if p.ID == 0 || ids[p.ID] {
			t.Errorf("panel %q: id %d missing or repeated", p.Title, p.ID)
		}
		ids[p.ID] = true
		if p.Title == "" || p.Type == "" || p.GridPos == nil || p.GridPos.W == 0 || p.GridPos.H == 0 || p.GridPos.X+p.GridPos.W > 24 {
			t.Errorf("panel %d %q: type %q, gridPos %+v: needs a title, a type and a place in the 24-column grid", p.ID, p.Title, p.Type, p.GridPos)
		}
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.Type != "prometheus" || p.Datasource.UID != "${DS_PROMETHEUS}" {
			t.Errorf("panel %q: datasource %+v, want the DS_PROMETHEUS input", p.Title, p.Datasource)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		refs := map[string]bool{}
		for _, q := range p.Targets {
			if q.RefID == "" || refs[q.RefID] || q.Expr == "" {
				t.Errorf("panel %q: query %+v: needs an expression and a refId of its own", p.Title, q)
			}
			refs[q.RefID] = true
			found := metricName.FindAllString(q.Expr, -1)
			if len(found) == 0 {
				t.Errorf("panel %q: query %q uses no harden metric", p.Title, q.Expr)
			}
			for _, n := range found {
				fam, ok := names[n]
				if !ok {
					t.Errorf("panel %q: query uses %s, which the metrics package does not export", p.Title, n)
					continue
				}
				used[fam] = true
			}
		}
	}
	// Every metric harden exports is on the dashboard.
	var missing []string
	for _, fam := range names {
		if strings.HasPrefix(fam, "harden_") && !used[fam] {
			missing = append(missing, fam)
		}
	}
	slices.Sort(missing)
	missing = slices.Compact(missing)
	if len(missing) > 0 {
		t.Errorf("metrics not on the dashboard: %v", missing)
	}
	// The $job variable the queries filter on exists.
	var vars []string
	for _, v := range d.Templating.List {
		vars = append(vars, v.Name)
	}
	if !slices.Contains(vars, "job") {
		t.Errorf("templating variables %v, want job", vars)
	}
}

// TestGrafanaCheckCatchesRenames: the name check fails for a metric the
// registry does not have.
func TestGrafanaCheckCatchesRenames(t *testing.T) {
	names := registryNames(t)
	for _, n := range []string{"harden_refusals_total", "harden_request_duration_seconds_bucket", "harden_session_store_duration_seconds_count"} {
		if _, ok := names[n]; !ok {
			t.Errorf("%s missing from the registry", n)
		}
	}
	for _, n := range []string{"harden_refusal_total", "harden_request_duration_seconds", "harden_requests_total_bucket"} {
		if _, ok := names[n]; ok {
			t.Errorf("%s accepted, but the registry has no such series", n)
		}
	}
}
