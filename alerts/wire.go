package alerts

import "github.com/covmon/covmon/geo/wire"

// ToWire returns a's public JSON form, the one shape the command line and the webhooks print.
func ToWire(a Alert) wire.Alert {
	w := wire.Alert{Key: a.Key, Kind: a.Kind, Status: a.Status(), Labels: a.Labels, Annotations: a.Annotations, StartsAt: a.StartsAt}
	if w.Labels == nil {
		w.Labels = map[string]string{}
	}
	if w.Annotations == nil {
		w.Annotations = map[string]string{}
	}
	if a.Resolved() {
		end := a.EndsAt
		w.EndsAt = &end
	}
	return w
}

// ToWireList returns the public JSON form of as, [] (not null) when empty.
func ToWireList(as []Alert) []wire.Alert {
	out := make([]wire.Alert, 0, len(as))
	for _, a := range as {
		out = append(out, ToWire(a))
	}
	return out
}
