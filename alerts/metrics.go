package alerts

import (
	"github.com/prometheus/client_golang/prometheus"
)

// engineMetrics are the Engine's Prometheus metrics.
type engineMetrics struct {
	firing     *prometheus.GaugeVec
	deliveries *prometheus.CounterVec
	pending    *prometheus.GaugeVec
	forecast   *prometheus.GaugeVec
	national   *prometheus.GaugeVec
}

func newEngineMetrics(reg prometheus.Registerer, receivers []string) *engineMetrics {
	m := &engineMetrics{
		firing: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "covmon_alerts_firing",
			Help: "Alerts firing after the last evaluation, by kind (overdue, deadline_reminder, forecast_miss, stale_data, regression, upload_rejected).",
		}, []string{"kind"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "covmon_alert_deliveries_total",
			Help: "Alert notifications sent to a receiver, by result (success or failure); periodic Alertmanager re-posts count too.",
		}, []string{"receiver", "result"}),
		pending: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "covmon_alert_outbox_pending",
			Help: "Alert transitions queued in the outbox and not yet delivered, by receiver.",
		}, []string{"receiver"}),
		forecast: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "covmon_forecast_zero_timestamp_seconds",
			Help: "When a province's open villages in a program (in scope, without signal that counts: dead zones and never-reported villages) are projected to reach zero (Theil–Sen trend over weekly counts). Absent when the trend never reaches zero.",
		}, []string{"program", "province_code", "province"}),
		national: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "covmon_program_forecast_zero_timestamp_seconds",
			Help: "When a program's open villages nationwide (in scope, without signal that counts: dead zones and never-reported villages) are projected to reach zero (Theil–Sen trend over weekly counts). Absent when the trend never reaches zero.",
		}, []string{"program"}),
	}
	for _, k := range Kinds {
		m.firing.WithLabelValues(k)
	}
	for _, r := range receivers {
		m.deliveries.WithLabelValues(r, "success")
		m.deliveries.WithLabelValues(r, "failure")
		m.pending.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.firing, m.deliveries, m.pending, m.forecast, m.national)
	}
	return m
}

func (m *engineMetrics) setFiring(as []Alert) {
	for k, n := range Counts(as) {
		m.firing.WithLabelValues(k).Set(float64(n))
	}
}

func (m *engineMetrics) setProjections(ps []Projection) {
	m.forecast.Reset()
	m.national.Reset()
	for _, p := range ps {
		if p.ZeroAt.IsZero() {
			continue
		}
		if p.ProvinceCode == National {
			m.national.WithLabelValues(p.Program).Set(float64(p.ZeroAt.Unix()))
			continue
		}
		m.forecast.WithLabelValues(p.Program, p.ProvinceCode, p.ProvinceName).Set(float64(p.ZeroAt.Unix()))
	}
}
