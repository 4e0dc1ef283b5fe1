// Package storetest is the contract every covmon store keeps: one suite of behaviour tests,
// written against the Store interface, that each store's own tests run on a real database
// (collector/sqlite on a temporary file, collector/postgres on a throwaway PostgreSQL
// cluster). A store method that a consumer declares (collector.Store, httpapi.Store,
// alerts.Store, …) belongs in Store and gets its tests here, so that every store implements
// it the same way.
//
// Tests that are about one store's own machinery (SQLite migrations of old files, triggers,
// pragmas) stay in that store's package.
package storetest

import (
	"context"
	"iter"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/alerts"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/cover"
)

// Now is the fixed clock of every store the suite opens: a harness sets the store's clock to
// it, so uploads received without a ReceivedAt are stamped Now.
var Now = time.Date(2025, 3, 1, 12, 0, 0, 0, geo.Vietnam)

// Store is every method covmon's consumers use, plus the administration the suite needs.
type Store interface {
	// collector.Store
	KnownVillages(ctx context.Context) (func(id string) bool, error)
	AcceptedUploadByHash(ctx context.Context, carrier, role, sha256hex string) (*geo.Upload, error)
	CommitVillages(ctx context.Context, u *geo.Upload, vs []geo.Village) error
	CommitVillageStream(ctx context.Context, u *geo.Upload, batches iter.Seq2[[]geo.Village, error]) error
	CommitObservations(ctx context.Context, u *geo.Upload, obs []geo.Observation) error
	CommitObservationStream(ctx context.Context, u *geo.Upload, batches iter.Seq2[[]geo.Observation, error]) error
	CommitAssignments(ctx context.Context, u *geo.Upload, as []geo.Assignment) error
	CommitPlans(ctx context.Context, u *geo.Upload, ps []geo.Plan) error
	CommitCrosswalk(ctx context.Context, u *geo.Upload, rows []geo.CrosswalkRow) error
	RecordUpload(ctx context.Context, u *geo.Upload) error
	Programs(ctx context.Context) ([]geo.Program, error)
	VillageShapes(ctx context.Context) ([]string, []cover.VillageShape, error)
	VillagePlaces(ctx context.Context) ([]geo.VillagePlace, error)
	RegistryVersion(ctx context.Context) (int64, error)
	CommitChangedObservations(ctx context.Context, u *geo.Upload, batches iter.Seq[[]geo.Observation]) error

	// collector.StatusStore, SnapshotStore, FiguresStore
	Villages(ctx context.Context, f geo.VillageFilter) ([]geo.Village, error)
	LatestObservations(ctx context.Context, asOf time.Time, f geo.VillageFilter) (map[string][]geo.Observation, error)
	LatestMeasurements(ctx context.Context, asOf time.Time, f geo.VillageFilter) (map[string][]geo.Observation, error)
	Assignments(ctx context.Context) ([]geo.Assignment, error)
	Plans(ctx context.Context) ([]geo.Plan, error)
	UploadStats(ctx context.Context) ([]geo.UploadStat, error)
	ProblemCounts(ctx context.Context) ([]geo.RuleCount, error)
	SignalBefore(ctx context.Context, asOf time.Time, p *geo.Policy) (map[string]bool, error)
	SignalAmong(ctx context.Context, asOf time.Time, p *geo.Policy, ids []string) (map[string]bool, error)
	EachVillageLatest(ctx context.Context, asOf time.Time, upTo int64, f geo.VillageFilter, fn func(v *geo.Village, latest []geo.Observation) error) error
	ObservationMark(ctx context.Context) (int64, error)
	ObservationsSince(ctx context.Context, mark int64, limit int) (ids []string, next int64, latest time.Time, ok bool, err error)
	EachVillage(ctx context.Context, f geo.VillageFilter, fn func(v *geo.Village) error) error
	HasSource(ctx context.Context, source string) (bool, error)
	SaveDailyFigures(ctx context.Context, fs []geo.DailyFigure) error
	DailyFigures(ctx context.Context, programID string, from, to time.Time) ([]geo.DailyFigure, error)
	FirstObservation(ctx context.Context) (time.Time, error)
	ObservationHistories(ctx context.Context, f geo.VillageFilter) (map[string][]geo.Observation, error)
	EachVillageHistory(ctx context.Context, f geo.VillageFilter, fn func(v *geo.Village, h []geo.Observation) error) error
	VillageVersions(ctx context.Context, f geo.VillageFilter) ([]geo.VillageVersion, error)

	// collector.WarmStore
	DataVersion(ctx context.Context) (geo.DataVersion, error)
	SaveSnapshot(ctx context.Context, b *geo.SnapshotBlob) error
	LoadSnapshot(ctx context.Context, programSet, inputs string) (*geo.SnapshotBlob, error)

	// httpapi.Store
	Uploads(ctx context.Context, f geo.UploadFilter) ([]geo.Upload, error)
	Upload(ctx context.Context, id int64) (*geo.Upload, error)
	Village(ctx context.Context, id string) (*geo.Village, error)
	Successions(ctx context.Context, id string) ([]geo.Succession, error)
	Observations(ctx context.Context, villageID string) ([]geo.Observation, error)
	Token(ctx context.Context, id int64) (*geo.Token, error)
	TouchToken(ctx context.Context, id int64, at time.Time) error
	Ping(ctx context.Context) error
	Crosswalk(ctx context.Context) ([]geo.CrosswalkRow, error)

	// alerts.Store
	alerts.Store

	// administration (cmd/covmon)
	UpsertProgram(ctx context.Context, p geo.Program) error
	Program(ctx context.Context, id string) (*geo.Program, error)
	CreateToken(ctx context.Context, t *geo.Token) error
	Tokens(ctx context.Context) ([]geo.Token, error)
	RevokeToken(ctx context.Context, id int64, at time.Time) error
	LedgerEntries(ctx context.Context, fn func(geo.LedgerEntry) error) error
	VerifyLedger(ctx context.Context) (*geo.LedgerReport, error)

	Close() error
}

// Harness is what a store's tests give the suite.
type Harness struct {
	// Open returns a new, empty, migrated store whose clock reads Now; the harness closes it
	// when the test ends.
	Open func(t testing.TB) Store
	// Reopen returns a second handle on db's database, as another process (or another covmon
	// instance) would open it; the harness closes it when the test ends, and it must
	// tolerate a Close before that.
	Reopen func(t testing.TB, db Store) Store
	// Exec runs a statement on db's database behind the store's back, as a person with access
	// to the database could (tamper tests). Placeholders are written '?'.
	Exec func(t testing.TB, db Store, q string, args ...any)
	// QueryInt runs a query returning one integer on db's database ('?' placeholders).
	QueryInt func(t testing.TB, db Store, q string, args ...any) int
}

// Run runs the whole contract against h, the tests in parallel (each opens its own stores).
func Run(t *testing.T, h Harness) {
	for _, f := range []func(*testing.T, *Harness){
		contractCommitVillages,
		contractCommitVillageStream,
		contractCommitVillages_FirstImport,
		contractVillages,
		contractRegistryHistory,
		contractAsKnown,
		contractKnownVillagesFollowsRegistry,
		contractVillageShapes,
		contractCommitObservations,
		contractCommitObservationStream,
		contractLatestObservations,
		contractLatestObservations_MatchesNaive,
		contractLatestMeasurements,
		contractPlans,
		contractEachVillageLatest,
		contractLatestClaims,
		contractDerivedTablesNameVillages,
		contractSignalAmong,
		contractLatestMeasurements_Filters,
		contractLatestMeasurements_ClaimInForce,
		contractObservationHistories_BothRoles,
		contractEachVillageHistory,
		contractObservationsSince,
		contractAreaShare,
		contractCommitChangedObservations,
		contractCommitChangedObservations_ManyRows,
		contractCommitChangedObservations_NewLayers,
		contractRegistryVersion,
		contractSnapshotCache,
		contractRecordUpload,
		contractDuplicateKeyRole,
		contractUploadStats_LastReport,
		contractUploads,
		contractPrograms,
		contractErrorsAreSentinels,
		contractConcurrent,
		contractVerifyLedger,
		contractLedgerBefore0036,
		contractLedgerBefore0040,
		contractTouchToken,
		contractApplyEvaluation,
		contractApplyEvaluation_Superseded,
		contractDueDeliveries_Order,
		contractEngine_RetryWithBackoff,
		contractEngine_RestartNeitherLosesNorRepeats,
		contractEngine_DeadReceiverDoesNotBlock,
		contractEngine_PermanentFailureDropped,
	} {
		name := runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name()
		name = name[strings.LastIndex(name, ".contract")+len(".contract"):]
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each test has a database of its own
			f(t, &h)
		})
	}
}
