package metrics

import (
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
)

// JobMonitor is a gocron.Monitor that records scheduled job runs as Prometheus metrics:
// covmon_job_runs_total{job_name,status}, covmon_job_last_success_timestamp_seconds{job_name} and
// covmon_job_duration_seconds{job_name}. The label is job_name, not job: Prometheus attaches its
// own job label (the scrape job) to every scraped series and would rename ours to exported_job.
type JobMonitor struct {
	runs        *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	duration    *prometheus.HistogramVec
}

var _ gocron.Monitor = (*JobMonitor)(nil)

// NewJobMonitor creates the job metrics and registers them with reg.
func NewJobMonitor(reg prometheus.Registerer) *JobMonitor {
	m := &JobMonitor{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "covmon_job_runs_total",
			Help: "Scheduled job runs by job and status (success, fail, skip, singleton_rescheduled)."}, []string{"job_name", "status"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "covmon_job_last_success_timestamp_seconds",
			Help: "When the job last finished successfully."}, []string{"job_name"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "covmon_job_duration_seconds",
			Help: "How long job runs take.", Buckets: []float64{.01, .05, .1, .5, 1, 5, 15, 60, 300}}, []string{"job_name"}),
	}
	reg.MustRegister(m.runs, m.lastSuccess, m.duration)
	return m
}

// IncrementJob implements gocron.Monitor.
func (m *JobMonitor) IncrementJob(_ uuid.UUID, name string, _ []string, status gocron.JobStatus) {
	m.runs.WithLabelValues(name, string(status)).Inc()
	if status == gocron.Success {
		m.lastSuccess.WithLabelValues(name).SetToCurrentTime()
	}
}

// RecordJobTiming implements gocron.Monitor.
func (m *JobMonitor) RecordJobTiming(start, end time.Time, _ uuid.UUID, name string, _ []string) {
	m.duration.WithLabelValues(name).Observe(end.Sub(start).Seconds())
}
