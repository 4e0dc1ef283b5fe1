// Package archtest holds no code: its test guards the import graph of covmon (see rules in
// imports_test.go and "Project structure" in README.md). A package that imports against the
// allowed direction fails `go test ./...`.
package archtest
