// Package benchmarks compares mist-go's hot paths with peer libraries; it is never released.
//
// It is a module of the workspace that no other module requires, so it may
// depend on third-party libraries the published modules must not: here the
// Prometheus text parser checks that what metrics writes is what a real
// scraper reads.
package benchmarks
