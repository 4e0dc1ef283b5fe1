package metrics

import (
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
)

// JobMonitor is a gocron.Monitor that records scheduled job runs as Prometheus metrics:
// covmon_job_runs_total{job_name,status}, covmon_job_last_success_timestamp_seconds{job_name} and
// covmon_job_duration_seconds{job_name} and covmon_job_consecutive_failures{job_name} (runs
// failed in a row, 0 after a success: what the CovmonJobFailing rule alerts on). The label is job_name, not job: Prometheus attaches its
// own job label (the scrape job) to every scraped series and would rename ours to exported_job.
type JobMonitor struct {
	runs        *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	duration    *prometheus.HistogramVec
	failing     *prometheus.GaugeVec
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
		failing: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "covmon_job_consecutive_failures",
			Help: "Runs of the job that failed in a row (0 after a success)."}, []string{"job_name"}),
	}
	reg.MustRegister(m.runs, m.lastSuccess, m.duration, m.failing)
	return m
}

// IncrementJob implements gocron.Monitor.
func (m *JobMonitor) IncrementJob(_ uuid.UUID, name string, _ []string, status gocron.JobStatus) {
	m.runs.WithLabelValues(name, string(status)).Inc()
	switch status {
	case gocron.Success:
		m.lastSuccess.WithLabelValues(name).SetToCurrentTime()
		m.failing.WithLabelValues(name).Set(0)
	case gocron.Fail:
		m.failing.WithLabelValues(name).Inc()
	}
}

// RecordJobTiming implements gocron.Monitor.
func (m *JobMonitor) RecordJobTiming(start, end time.Time, _ uuid.UUID, name string, _ []string) {
	m.duration.WithLabelValues(name).Observe(end.Sub(start).Seconds())
}

// FeedMonitor records feed pulls as covmon_feed_consecutive_failures{feed}: pulls of the feed
// that failed in a row (0 after a success), what the CovmonFeedFailing rule alerts on. The
// feeds job as a whole succeeds only when every feed does; this tells which one fails.
type FeedMonitor struct {
	failing *prometheus.GaugeVec
}

// NewFeedMonitor creates the feed metric, with a 0 for each of feeds, and registers it.
func NewFeedMonitor(reg prometheus.Registerer, feeds []string) *FeedMonitor {
	m := &FeedMonitor{failing: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "covmon_feed_consecutive_failures",
		Help: "Pulls of the feed that failed in a row (HTTP error, refused address, too large, or a rejected file; 0 after a success)."}, []string{"feed"})}
	for _, f := range feeds {
		m.failing.WithLabelValues(f).Set(0)
	}
	reg.MustRegister(m.failing)
	return m
}

// Record is collector.Runner.FeedResult: failed reports whether the pull failed.
func (m *FeedMonitor) Record(feed string, failed bool) {
	if failed {
		m.failing.WithLabelValues(feed).Inc()
	} else {
		m.failing.WithLabelValues(feed).Set(0)
	}
}
