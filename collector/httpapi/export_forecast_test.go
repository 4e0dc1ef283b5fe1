package httpapi

// ForecastsWaiting is how many summaries wait for a place to compute their forecast as known
// then (MaxForecastsAsKnown), for TestSummary_ForecastsAsKnownBounded.
func (s *Server) ForecastsWaiting() int { return int(s.forecastsWaiting.Load()) }
