package httpapi

import (
	"context"
	"testing"
)

// TestUploadGate: one uploader holds at most perKey decode slots, so while it has more uploads
// waiting than that, another uploader still gets the remaining slots; a waiting upload gets
// its slot when one of its own is released; an uploader has at most pendingMax bodies in
// reception.
func TestUploadGate(t *testing.T) {
	s := &Server{MaxConcurrentUploads: 4, MaxUploadsPerUploader: 2, MaxPendingPerUploader: 3}
	g := s.gate()
	ctx := context.Background()
	var viettel []func()
	for range 2 {
		rel, err := g.acquire(ctx, "carrier:viettel")
		if err != nil {
			t.Fatal(err)
		}
		viettel = append(viettel, rel)
	}
	third := make(chan func())
	go func() {
		rel, err := g.acquire(ctx, "carrier:viettel") // waits: viettel holds its two
		if err != nil {
			t.Error(err)
		}
		third <- rel
	}()
	for range 2 {
		if _, err := g.acquire(ctx, "carrier:mobifone"); err != nil { // would block if viettel could take all four
			t.Fatal(err)
		}
	}
	if n := len(g.slots); n != 4 {
		t.Errorf("slots in use: %d, want 4", n)
	}
	viettel[0]()
	<-third // viettel holds two again, mobifone two: every shared slot is taken

	// A waiting acquire gives up with its context.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	for range 3 { // the select may pick the free own slot first; the shared ones are full
		if _, err := g.acquire(cctx, "carrier:vinaphone"); err == nil {
			t.Fatal("acquired with every shared slot taken")
		}
	}

	var leave []func()
	for i := range 4 {
		rel, ok := g.admit("carrier:viettel")
		if ok != (i < 3) {
			t.Fatalf("admit %d: %v", i, ok)
		}
		if ok {
			leave = append(leave, rel)
		}
	}
	if _, ok := g.admit("carrier:mobifone"); !ok {
		t.Error("another uploader refused")
	}
	leave[0]()
	if _, ok := g.admit("carrier:viettel"); !ok {
		t.Error("refused after one finished")
	}
}
