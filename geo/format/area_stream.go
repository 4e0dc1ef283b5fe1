package format

import (
	"fmt"
	"io"
	"sync"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format/internal/scan"
)

// areaBatchSize is the feature bytes handed to a parse worker at once.
const areaBatchSize = 256 << 10

// areaHeader is what the top level said before the features array: the collection's carrier.
// It is immutable once a batch points to it.
type areaHeader struct {
	carrier    string // canonical spelling, empty when absent or invalid
	carrierSet bool   // a top-level "carrier" member was read (even an invalid one)
}

// areaParsed is one feature's outcome.
type areaParsed struct {
	area     geo.CoverageArea
	problems []geo.Problem
	ok       bool
}

// areaBatch is a run of consecutive features (or, with no features, file-level problems) in
// input order. Workers fill out and close done; the consumer reads batches in order.
type areaBatch struct {
	data  []byte
	ends  []int
	first int
	hdr   *areaHeader
	out   []areaParsed
	probs []geo.Problem
	done  chan struct{}
}

// StreamAreas decodes and validates an areas/v1 FeatureCollection from r, calling fn with each
// valid feature in input order (index is the feature's 0-based position in the file). The
// whole file is never held: the top level is read as a stream, features are cut out one by
// one and parsed on opt.Workers goroutines, and fn runs on the calling goroutine, one call at
// a time. a is the caller's to keep.
//
// Every feature is decoded even after problems are found, so the report is complete. When
// there are problems, StreamAreas returns a *ValidationError listing them (file, feature,
// field, rule, reason); fn has still been called for the valid features, and callers that
// treat a file as all-or-nothing must discard what fn produced. A top-level "carrier" applies
// to features only when it comes before "features" (a feature without its own carrier that
// precedes it is a field_missing problem). If fn returns an error, StreamAreas stops and
// returns it; a read error is returned wrapped.
func StreamAreas(r io.Reader, opt Options, fn func(index int, a *geo.CoverageArea) error) error {
	_, err := StreamAreasExtent(r, opt, fn)
	return err
}

// StreamAreasExtent is StreamAreas that also returns the file's extent: what it speaks for
// (nil when the file has none, or on any problem). A province or commune the registry does
// not know (Options.KnownProvince, KnownCommune) is an unknown_province or unknown_commune
// problem.
func StreamAreasExtent(r io.Reader, opt Options, fn func(index int, a *geo.CoverageArea) error) (*geo.AreaExtent, error) {
	cfg, err := newConfig(&opt)
	if err != nil {
		return nil, err
	}
	nw := cfg.workers
	order := make(chan *areaBatch, 2*nw+2)
	work := make(chan *areaBatch, 2*nw+2)
	free := make(chan []byte, 2*nw+4)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range nw {
		wg.Go(func() {
			p := newAreaParser(cfg)
			for b := range work {
				p.batch(b)
				close(b.done)
			}
		})
	}
	pr := &areaProducer{cfg: cfg, s: scan.NewSplitter(r), order: order, work: work, free: free, stop: stop}
	wg.Go(func() {
		pr.run()
		close(work)
		close(order)
	})

	probs := report{file: cfg.file, max: cfg.maxProblems, maxBytes: cfg.maxBytes}
	var fnErr error
	for b := range order {
		<-b.done
		for _, p := range b.probs {
			probs.addProblem(p)
		}
		for i := range b.out {
			o := &b.out[i]
			for _, p := range o.problems {
				probs.addProblem(p)
			}
			if o.ok && fnErr == nil {
				if err := fn(b.first+i, &o.area); err != nil {
					fnErr = err
					close(stop)
				}
			}
		}
		if b.data != nil {
			select {
			case free <- b.data[:0]:
			default:
			}
		}
	}
	wg.Wait()
	if pr.readArray && pr.n == 0 && len(probs.problems) == 0 {
		probs.add(-1, "", "features", geo.RuleNoFeatures, noFeaturesReason)
	}
	switch {
	case fnErr != nil:
		return nil, fnErr
	case pr.s.ReadErr() != nil:
		return nil, fmt.Errorf("read %s: %w", cfg.file, pr.s.ReadErr())
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	return pr.extent, nil
}

// areaProducer runs the splitter and hands batches to the workers and the consumer.
type areaProducer struct {
	cfg   *config
	s     scan.Splitter
	order chan<- *areaBatch
	work  chan<- *areaBatch
	free  chan []byte
	stop  <-chan struct{}
	hdr   *areaHeader
	// extent is the file's valid "extent", nil when it has none (read after the producer ends).
	extent *geo.AreaExtent
	cur    *areaBatch
	n      int // features cut so far
	// readArray is set once a features array was read to its end.
	readArray bool
	probs     []geo.Problem
}

// send queues b for the consumer and, when it has features, for a worker. It returns false
// when the consumer has stopped.
func (p *areaProducer) send(b *areaBatch) bool {
	select {
	case p.order <- b:
	case <-p.stop:
		return false
	}
	if len(b.ends) == 0 {
		close(b.done)
		return true
	}
	select {
	case p.work <- b:
		return true
	case <-p.stop:
		close(b.done)
		return false
	}
}

// flush sends the pending file-level problems and the current batch, in that order.
func (p *areaProducer) flush() bool {
	if len(p.probs) > 0 {
		b := &areaBatch{probs: p.probs, done: make(chan struct{})}
		p.probs = nil
		if !p.send(b) {
			return false
		}
	}
	if p.cur != nil && len(p.cur.ends) > 0 {
		b := p.cur
		p.cur = nil
		return p.send(b)
	}
	return true
}

// problem records a file-level problem (feature -1 unless inside the features array). The
// features cut before it are sent first, so problems keep input order.
func (p *areaProducer) problem(feature int, field, rule, reason string) {
	if p.cur != nil && len(p.cur.ends) > 0 {
		b := p.cur
		p.cur = nil
		p.send(b)
	}
	p.probs = append(p.probs, geo.Problem{File: p.cfg.file, Feature: feature, Field: field, Rule: rule, Reason: reason})
}

// add appends one feature's bytes to the current batch, sending it when full.
func (p *areaProducer) add(raw []byte) bool {
	if p.cur == nil {
		var data []byte
		select {
		case data = <-p.free:
		default:
			data = make([]byte, 0, areaBatchSize+areaBatchSize/4)
		}
		p.cur = &areaBatch{data: data, first: p.n, hdr: p.hdr, done: make(chan struct{})}
	}
	p.cur.data = append(p.cur.data, raw...)
	p.cur.ends = append(p.cur.ends, len(p.cur.data))
	p.n++
	if len(p.cur.data) >= areaBatchSize {
		return p.flush()
	}
	return true
}
