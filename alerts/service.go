package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
)

// ServiceStore is what the Service reads and writes: the alert states and outbox, the
// observation histories the forecast is fitted on, and the upload record (rejected uploads).
// collector/sqlite implements it.
type ServiceStore interface {
	Store
	HistoryStore
	Uploads(ctx context.Context, f geo.UploadFilter) ([]geo.Upload, error)
}

// Service evaluates alerts on its own schedule and whenever it is told a new snapshot exists
// (Kick), and delivers the transitions through its Engine's outbox.
//
// Create it with NewService, set the optional fields, call Open, and Close when done (as
// litestream's Store: Open starts the goroutines, Close cancels them and waits). Evaluate may
// also be called directly, before or after Open.
type Service struct {
	// Engine stores the evaluations and delivers them; its Clock and Logger are the Service's.
	Engine    *Engine
	Evaluator Evaluator
	Store     ServiceStore
	// Snapshot returns the latest snapshot (the collector's), nil when there is none yet.
	Snapshot func() *geo.Snapshot
	Programs []geo.Program
	Policy   geo.Policy
	// ForecastWeeks is how many weekly points the forecast is fitted on (default 12).
	ForecastWeeks int
	// EvaluateEvery is how often the latest snapshot is evaluated (default 1m); Kick
	// evaluates at once.
	EvaluateEvery time.Duration
	// Clock is "now" for evaluations, the schedule and deliveries (default: the real clock).
	Clock  clockwork.Clock
	Logger *slog.Logger
	// Elector, when set, says whether this instance leads (several instances on one
	// database): only the leader's loops evaluate and deliver, so a receiver hears each
	// transition from one instance. Evaluate called directly does not ask.
	Elector Elector

	mu      sync.Mutex // one evaluation at a time; guards history and dark
	dark    darkCache
	history struct {
		asOf   time.Time
		points map[string][]Point
	}

	fmu       sync.Mutex // guards forecasts
	forecasts map[string]wire.Forecast

	kick   chan struct{}
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewService returns a Service over store, reading snapshots from snapshot and delivering to
// notifiers, with its metrics registered on reg (nil: not registered).
func NewService(store ServiceStore, snapshot func() *geo.Snapshot, notifiers []Notifier, reg prometheus.Registerer) (*Service, error) {
	e, err := NewEngine(store, notifiers, reg)
	if err != nil {
		return nil, err
	}
	return &Service{
		Engine: e, Store: store, Snapshot: snapshot, ForecastWeeks: 12, EvaluateEvery: time.Minute,
		Clock: clockwork.NewRealClock(), kick: make(chan struct{}, 1),
	}, nil
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Open starts the evaluation loop, which evaluates the latest snapshot at once, then every
// EvaluateEvery and on each Kick, until ctx ends or Close is called, and the delivery loops
// once a first snapshot has been evaluated: what an earlier run left in the outbox is delivered
// after that evaluation has settled it (an alert of a shape this version no longer raises has
// its undelivered firing withdrawn, see Store.ApplyEvaluation), and not beside the building of
// the first snapshot.
func (s *Service) Open(ctx context.Context) error {
	if s.cancel != nil {
		return errors.New("alerts: service already open")
	}
	s.Engine.Clock, s.Engine.Logger, s.Engine.Elector = s.Clock, s.Logger, s.Elector
	ctx, s.cancel = context.WithCancel(ctx)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.evaluateLoop(ctx)
	}()
	return nil
}

// Close stops the loops and waits for them; an evaluation in progress is cancelled.
// Undelivered transitions stay in the outbox. Calling it again does nothing.
func (s *Service) Close() error {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	s.Engine.Close()
	return nil
}

// Kick asks the evaluation loop to evaluate the latest snapshot now (after a refresh, say).
// It never blocks; kicks arriving during an evaluation coalesce into one more.
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *Service) evaluateLoop(ctx context.Context) {
	every := s.EvaluateEvery
	if every <= 0 {
		every = time.Minute
	}
	t := s.Clock.NewTicker(every)
	defer t.Stop()
	delivering := false
	for {
		hadSnapshot := s.Snapshot != nil && s.Snapshot() != nil
		if s.Elector == nil || s.Elector.IsLeader(ctx) == nil {
			start := time.Now()
			trs, err := s.Evaluate(ctx)
			if err != nil && ctx.Err() == nil {
				s.logger().Error("alert evaluation", "err", err)
			}
			lv := slog.LevelDebug
			if !delivering && hadSnapshot && err == nil {
				lv = slog.LevelInfo // the first: the start-up's phases are logged with their durations
			}
			s.logger().Log(ctx, lv, "alerts evaluated", "took", time.Since(start).Round(time.Millisecond), "transitions", len(trs))
		} else if err := s.Project(ctx); err != nil && ctx.Err() == nil { // another instance evaluates
			s.logger().Error("completion forecast", "err", err)
		}
		if !delivering && (hadSnapshot || s.Snapshot == nil) {
			s.Engine.Start(ctx) // Close waits for this loop before closing the Engine
			delivering = true
		}
		select {
		case <-ctx.Done():
			return
		case <-t.Chan():
		case <-s.kick:
		}
	}
}

// Evaluate evaluates the latest snapshot at the clock's now and applies the result. With no
// snapshot yet it does nothing.
func (s *Service) Evaluate(ctx context.Context) ([]Transition, error) {
	if s.Snapshot == nil {
		return nil, nil
	}
	snap := s.Snapshot()
	if snap == nil {
		return nil, nil
	}
	return s.EvaluateSnapshot(ctx, snap)
}

// EvaluateSnapshot evaluates snap at the clock's now (or at snap.AsOf when the clock is
// behind it) and applies the result.
func (s *Service) EvaluateSnapshot(ctx context.Context, snap *geo.Snapshot) ([]Transition, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.input(ctx, snap)
	if err != nil {
		return nil, err
	}
	r := s.Evaluator.Evaluate(in)
	s.keepForecasts(snap.AsOf, in.Programs, r.Projections)
	return s.Engine.Apply(ctx, r)
}

// Project computes the forecasts of the latest snapshot the way Evaluate does, for Forecast
// and the forecast metrics, without applying the evaluation: no alert state is stored and
// nothing is queued for delivery. A follower (another instance leads and evaluates) runs it on
// the evaluation schedule, so every instance answers the summary's forecast and exports
// covmon_program_forecast_zero_timestamp_seconds from the same data, not only the leader.
func (s *Service) Project(ctx context.Context) error {
	if s.Snapshot == nil {
		return nil
	}
	snap := s.Snapshot()
	if snap == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.input(ctx, snap)
	if err != nil {
		return err
	}
	r := s.Evaluator.Evaluate(in)
	s.keepForecasts(snap.AsOf, in.Programs, r.Projections)
	if s.Engine.metrics != nil {
		s.Engine.metrics.setProjections(r.Projections)
	}
	return nil
}

// keepForecasts keeps each program's national forecast of the evaluation for Forecast: the
// projection the metric covmon_program_forecast_zero_timestamp_seconds is set from.
func (s *Service) keepForecasts(at time.Time, ps []ProgramInput, projs []Projection) {
	out := make(map[string]wire.Forecast, len(ps))
	for _, pi := range ps {
		var proj Projection
		ok := false
		for _, p := range projs {
			if p.Program == pi.Program.ID && p.ProvinceCode == National {
				proj, ok = p, true
			}
		}
		out[pi.Program.ID] = ForecastWire(proj, ok, s.weeks(), at, pi.Program.Deadline)
	}
	s.fmu.Lock()
	s.forecasts = out
	s.fmu.Unlock()
}

// Forecast returns program's national completion forecast from the latest evaluation; ok is
// false before the first evaluation (or for a program it does not know).
func (s *Service) Forecast(program string) (wire.Forecast, bool) {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	f, ok := s.forecasts[program]
	return f, ok
}

func (s *Service) weeks() int {
	if s.ForecastWeeks <= 0 {
		return 12
	}
	return s.ForecastWeeks
}

// maxRejectedPerSender bounds the rejected uploads read per sender for CovmonUploadRejected.
const maxRejectedPerSender = 200

// input assembles the evaluation input: village states and upload counts from the snapshot,
// rejected uploads from
// the store, and the weekly history (recomputed only when the snapshot's instant changes).
func (s *Service) input(ctx context.Context, snap *geo.Snapshot) (Input, error) {
	in := Input{Now: s.Clock.Now(), Carriers: s.Policy.Carriers, LastReport: map[string]time.Time{},
		LastAccepted: map[string]time.Time{}, Demo: snap.Demo}
	if in.Now.Before(snap.AsOf) {
		in.Now = snap.AsOf
	}
	for _, u := range snap.Uploads {
		if u.Result != geo.ResultAccepted {
			continue
		}
		// A carrier's data is fresh by its own reports only: an inspector's measurements name
		// the carrier they measured, and would otherwise keep a carrier that stopped reporting
		// out of the stale-data alert.
		if u.Carrier != "" && u.Role != geo.RoleInspector {
			if u.LastAt.After(in.LastAccepted[u.Carrier]) {
				in.LastAccepted[u.Carrier] = u.LastAt
			}
			// Fresh by what it reports, not by when a file arrived: a re-sent old file is
			// accepted (its bytes differ) but reports nothing newer (docs/alerts.md).
			if !u.LastReport.IsZero() && u.LastReport.After(in.LastReport[u.Carrier]) {
				in.LastReport[u.Carrier] = u.LastReport
			}
		}
		if in.DataSince.IsZero() || u.FirstAt.Before(in.DataSince) {
			in.DataSince = u.FirstAt
		}
	}
	// The newest rejected uploads of each sender — every configured carrier, the inspectors,
	// the ministry — and of all: one sender's flood of rejected files (the newest 200 of all
	// were read) pushed another's rejection out, resolving its alert within minutes.
	filters := []geo.UploadFilter{{}, {Role: geo.RoleInspector}, {Role: geo.RoleMinistry}}
	for _, c := range s.Policy.Carriers {
		filters = append(filters, geo.UploadFilter{Carrier: c, Role: geo.RoleCarrier})
	}
	for _, f := range filters {
		f.Result, f.Limit = geo.ResultRejected, maxRejectedPerSender
		rej, err := s.Store.Uploads(ctx, f)
		if err != nil {
			return in, fmt.Errorf("rejected uploads: %w", err)
		}
		in.Rejected = append(in.Rejected, rej...) // the evaluation takes each upload once
	}
	if !s.history.asOf.Equal(snap.AsOf) || s.history.points == nil {
		points := map[string][]Point{}
		for _, p := range s.Programs {
			pts, err := WeeklyHistory(ctx, s.Store, p, &s.Policy, snap.AsOf, s.weeks())
			if err != nil {
				return in, err
			}
			points[p.ID] = pts
		}
		s.history.points, s.history.asOf = points, snap.AsOf
	}
	for i := range snap.Programs {
		ps := &snap.Programs[i]
		dark, err := s.darkSince(ctx, ps, snap.AsOf)
		if err != nil {
			return in, err
		}
		in.Programs = append(in.Programs, ProgramInput{Program: ps.Program, Open: ps.Open,
			Regressed: ps.Regressed, DarkSince: dark, History: s.history.points[ps.Program.ID], Discrepant: ps.Discrepant})
	}
	return in, nil
}
