package main

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/term"
)

// progress prints "name: 42% (12.0 of 28.6 MB)" on a terminal while a large file is read.
type progress struct {
	w     io.Writer
	name  string
	total int64
	n     atomic.Int64
	stop  chan struct{}
	ended chan struct{}
}

// progressMin is the file size from which progress is shown.
const progressMin = 8 << 20

// newProgress returns nil unless w is a terminal and the file is large enough to wait for.
func newProgress(w io.Writer, name string, total int64) *progress {
	f, ok := w.(*os.File)
	if !ok || total < progressMin || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	p := &progress{w: w, name: name, total: total, stop: make(chan struct{}), ended: make(chan struct{})}
	go p.loop()
	return p
}

func (p *progress) loop() {
	defer close(p.ended)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			fmt.Fprintf(p.w, "\r%s: read %.1f MB\033[K\n", p.name, float64(p.n.Load())/1e6)
			return
		case <-t.C:
			n := p.n.Load()
			fmt.Fprintf(p.w, "\r%s: %3d%% (%.1f of %.1f MB)\033[K", p.name, n*100/p.total, float64(n)/1e6, float64(p.total)/1e6)
		}
	}
}

func (p *progress) reader(r io.Reader) io.Reader { return &progressReader{r: r, p: p} }

func (p *progress) done() {
	close(p.stop)
	<-p.ended
}

type progressReader struct {
	r io.Reader
	p *progress
}

func (r *progressReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	r.p.n.Add(int64(n))
	return n, err
}
