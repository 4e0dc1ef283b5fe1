package alerts_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/covmon/covmon/alerts"
)

func TestLogNotifier(t *testing.T) {
	alert := func(i int) alerts.Alert {
		return alerts.Alert{Key: fmt.Sprintf("k%d", i), Labels: map[string]string{"alertname": "CovmonOverdue"}, Annotations: map[string]string{"summary": "s"}}
	}
	for _, tt := range []struct {
		name  string
		n     int
		lines int
		want  string
	}{
		{"Few", 3, 3, `msg="alert firing" alertname=CovmonOverdue key=k0`},
		{"ManySummarised", 40, 1, `msg="alerts firing" alertname=CovmonOverdue count=40`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			n := alerts.NewLogNotifier(slog.New(slog.NewTextHandler(&b, nil)))
			var as []alerts.Alert
			for i := range tt.n {
				as = append(as, alert(i))
			}
			if err := n.Notify(context.Background(), as); err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(b.String(), "\n"); got != tt.lines {
				t.Errorf("lines=%d, want %d:\n%s", got, tt.lines, b.String())
			}
			if !strings.Contains(b.String(), tt.want) {
				t.Errorf("log lacks %q:\n%s", tt.want, b.String())
			}
		})
	}
}
