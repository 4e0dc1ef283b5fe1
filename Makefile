# covmon — see README.md. `make run` and `make test` are all a newcomer needs.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
BIN      := bin/covmon
DB       ?= var/covmon.db
LISTEN   ?= 127.0.0.1:8080

.PHONY: run build test vet fmt-check lint bench bench-read bench-stores bench-go bench-anchors bench-layers12 cover fuzz-smoke seeds clean help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## build bin/covmon
	@echo "== building $(BIN): the first build downloads and compiles the dependencies (about 2 minutes on a cold cache), later ones take seconds =="
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/covmon

run: build ## build, load the SYNTHETIC seed data, show the status, then serve the API, /metrics and the collector
	@./$(BIN) seed --db $(DB)   # idempotent: a second run skips what is already loaded
	@echo
	@./$(BIN) status --db $(DB)
	@echo
	@echo "== as of 2022-08-01 (the ministry's 2022 report) =="
	@./$(BIN) status --db $(DB) --as-of 2022-08-01 | grep 'Thôn ban đầu đã có sóng'
	@./$(BIN) status --db $(DB) --as-of 2022-08-01 --lang en | grep 'Baseline villages covered'
	@echo
	@echo "Status page (map, figures, burn-down; works offline): http://$(LISTEN)/"
	@echo
	@echo "Also try, in another terminal:"
	@echo "  ./$(BIN) status --db $(DB) --villages              # every village still dark"
	@echo "  ./$(BIN) status --db $(DB) --as-of 2024-12-01      # at the deadline"
	@echo "  ./$(BIN) status --db $(DB) --format csv > v.csv    # a spreadsheet (UTF-8 with BOM)"
	@echo "  ./$(BIN) status --db $(DB) --lang en               # the table in English"
	@echo "  ./$(BIN) uploads --db $(DB)                        # what was ingested"
	@echo "  ./$(BIN) token create --db $(DB) --carrier viettel # a token to upload with"
	@echo "  ./$(BIN) help"
	@echo
	@./$(BIN) serve --db $(DB) --listen $(LISTEN)

test: vet fmt-check lint ## vet, gofmt check, staticcheck and every test with the race detector
	$(GO) test -race -count=1 -timeout 45m ./...  # cmd/covmon's end-to-end tests run real processes: past go test's 10-minute default on a loaded 2-core machine under -race

lint: ## staticcheck, the version pinned by the tool directive in go.mod
	$(GO) tool staticcheck ./...

vet: ## go vet
	$(GO) vet ./...

fmt-check: ## fail if gofmt would change a file
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

bench: ## coverage-area ingest, then the read path (bench-read): BENCH_SIZE=large for 1M villages; docs/benchmarks.md
	GO=$(GO) sh cmd/covgen/bench.sh
	GO=$(GO) sh cmd/covgen/layers12.sh  # 12 layers end to end beside ogr2ogr + PostGIS, one run, with the ratio
	GO=$(GO) sh cmd/covgen/stores.sh  # SQLite and PostgreSQL side by side, the upload beside a plain COPY
	GO=$(GO) sh cmd/covgen/readbench.sh

bench-stores: ## SQLite and PostgreSQL side by side: registry import, observations upload vs a plain COPY, status, summary API
	GO=$(GO) sh cmd/covgen/stores.sh

bench-read: ## read path: status vs the sqlite3 floor, serve time to ready and RSS (SERVE_MINUTES, default 5), /metrics, first page
	GO=$(GO) sh cmd/covgen/readbench.sh

bench-anchors: ## the same data through PostGIS (installs postgresql-15-postgis-3 and gdal-bin), with ratios
	GO=$(GO) sh cmd/covgen/anchors.sh
	GO=$(GO) sh cmd/covgen/layers12.sh

bench-layers12: ## the first coverage upload of 12 layers end to end, covmon vs ogr2ogr + PostGIS storing the same results, with the ratio
	GO=$(GO) sh cmd/covgen/layers12.sh

bench-go: ## run every Go benchmark once
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x ./...

cover: ## test coverage profile
	$(GO) test -coverprofile=cover.out ./... && $(GO) tool cover -func=cover.out | tail -1

fuzz-smoke: ## run each fuzz test of the file formats for 10s
	for f in FuzzDecodeObservations FuzzDecodeVillages FuzzStreamAreas; do \
		$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 10s ./geo/format || exit 1; done

seeds: ## regenerate the synthetic seed data
	$(GO) run ./cmd/seedgen -out seeds/data

clean: ## remove build output and the local database
	rm -rf bin var cover.out
