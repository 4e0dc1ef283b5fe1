package grafana_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	sdk "github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// strictErr is err with the SDK's typed nil taken out: UnmarshalJSONStrict returns a nil
// cog.BuildErrors as a non-nil error when there is nothing wrong (v0.0.18 to v0.0.22), so
// only a BuildErrors with entries, or another error, is a failure. "required field is missing"
// entries are dropped too: the strict decoders require every option of the schema, which
// Grafana fills with its defaults when it loads a dashboard; what is checked is that every
// name given is known and every value has the schema's type.
func strictErr(err error) error {
	var be cog.BuildErrors
	if !errors.As(err, &be) {
		return err
	}
	var left cog.BuildErrors
	for _, e := range be {
		if e.Message != "required field is missing from input" {
			left = append(left, e)
		}
	}
	if len(left) == 0 {
		return nil
	}
	return left
}

// sdkCheck decodes a dashboard with the Grafana Foundation SDK's strict decoders: the
// dashboard, then every panel on its own (the SDK drops a panel whose strict decoding hit the
// typed nil, so the dashboard-level decode alone would check nothing), then each panel's
// options and custom field config with its plugin's strict decoder. Every panel type must be
// one the SDK knows.
func sdkCheck(raw []byte) error {
	//lint:ignore SA1019 our dashboards are the classic JSON model that file provisioning loads; dashboardv2 is a different schema, not a newer decoder of this one.
	var d sdk.Dashboard
	if err := strictErr(d.UnmarshalJSONStrict(raw)); err != nil {
		return err
	}
	if err := d.Validate(); err != nil {
		return err
	}
	var doc struct {
		Panels []json.RawMessage `json:"panels"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return err
	}
	for _, rp := range doc.Panels {
		var p sdk.Panel
		if err := strictErr(p.UnmarshalJSONStrict(rp)); err != nil {
			return err
		}
		where := "panel " + strings.TrimSpace(p.Type) + " " + deref(p.Title)
		cfg, ok := cog.ConfigForPanelcfgVariant(p.Type)
		if !ok {
			return errors.New(where + ": panel type unknown to the SDK")
		}
		var parts struct {
			Options     json.RawMessage `json:"options"`
			FieldConfig struct {
				Defaults struct {
					Custom json.RawMessage `json:"custom"`
				} `json:"defaults"`
			} `json:"fieldConfig"`
		}
		if err := json.Unmarshal(rp, &parts); err != nil {
			return err
		}
		if parts.Options != nil && cfg.StrictOptionsUnmarshaler != nil {
			if _, err := cfg.StrictOptionsUnmarshaler(parts.Options); strictErr(err) != nil {
				return errors.New(where + ": options: " + err.Error())
			}
		}
		if parts.FieldConfig.Defaults.Custom != nil && cfg.StrictFieldConfigUnmarshaler != nil {
			if _, err := cfg.StrictFieldConfigUnmarshaler(parts.FieldConfig.Defaults.Custom); strictErr(err) != nil {
				return errors.New(where + ": fieldConfig.defaults.custom: " + err.Error())
			}
		}
		if err := p.Validate(); err != nil {
			return errors.New(where + ": " + err.Error())
		}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestDashboards_SDK: both dashboards pass the Grafana Foundation SDK's strict decoding (every
// field, panel type, option and custom field-config name known), and the check can fail: an
// unknown option, an unknown panel type and an unknown dashboard field are each caught.
func TestDashboards_SDK(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	for _, path := range dashboardFiles(t) {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := sdkCheck(raw); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		var d map[string]any
		json.Unmarshal(raw, &d)
		if d["timezone"] != "Asia/Ho_Chi_Minh" {
			t.Errorf("%s: timezone %v, want Asia/Ho_Chi_Minh (deadlines are Vietnam time)", path, d["timezone"])
		}
	}

	raw, err := os.ReadFile(dashboardFiles(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(d map[string]any){
		"unknown option": func(d map[string]any) {
			p := firstPanel(d, "stat")
			p["options"].(map[string]any)["colourMode"] = "value"
		},
		"unknown panel type":      func(d map[string]any) { firstPanel(d, "stat")["type"] = "statt" },
		"unknown dashboard field": func(d map[string]any) { d["timeZone"] = "browser" },
		"unknown custom field config": func(d map[string]any) {
			p := firstPanel(d, "timeseries")
			p["fieldConfig"].(map[string]any)["defaults"].(map[string]any)["custom"] = map[string]any{"lineWidht": 2}
		},
	} {
		var d map[string]any
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		mutate(d)
		b, _ := json.Marshal(d)
		if err := sdkCheck(b); err == nil {
			t.Errorf("%s: not caught", name)
		}
	}
}

func firstPanel(d map[string]any, typ string) map[string]any {
	for _, p := range d["panels"].([]any) {
		if p := p.(map[string]any); p["type"] == typ {
			return p
		}
	}
	panic("no " + typ + " panel")
}
