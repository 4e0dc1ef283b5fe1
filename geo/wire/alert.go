package wire

import "time"

// Alert is one covmon alert: `covmon alerts --format json` prints a list of them and the
// webhook payload (alerts/webhook) carries them. alerts.ToWire builds it (wire does not import
// alerts); its golden file is alerts/testdata/alerts_out.json. EndsAt is null while the alert
// fires. Receivers de-duplicate on key + status + starts_at.
type Alert struct {
	Key         string            `json:"key"`
	Kind        string            `json:"kind"`
	Status      string            `json:"status"` // firing or resolved
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"starts_at"`
	EndsAt      *time.Time        `json:"ends_at"`
}
