# The test command the README and .ci/run use.
.PHONY: test vet dev bench
test: vet
	go test -race -count=1 -timeout 30m ./...

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	go vet ./...

dev:
	go run ./cmd/basiq-dev

bench:
	go run ./cmd/basiq-bench -n 1000
