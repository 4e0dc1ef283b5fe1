// Package grafana holds covmon's Grafana dashboards and provisioning files, an example
// Prometheus configuration and the Prometheus alert rules (see README.md). It has no Go code:
// its tests check the dashboards' structure, run promtool on the rules, and run every
// dashboard and rule expression against a real Prometheus scraping a real covmon serve
// loaded with the SYNTHETIC seed data.
package grafana
