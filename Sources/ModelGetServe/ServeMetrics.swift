import Prometheus

/// The counters `GET /metrics` shows, in Prometheus' text format.
final class ServeMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let bytesServed: Counter
    private let cacheHits: Counter
    private let cacheMisses: Counter
    private let upstreamBytes: Counter

    init() {
        bytesServed = registry.makeCounter(name: "modelget_serve_bytes_served_total", help: "Body bytes sent to clients.")
        cacheHits = registry.makeCounter(name: "modelget_serve_cache_hits_total", help: "Blob and manifest requests answered from the store.")
        cacheMisses = registry.makeCounter(name: "modelget_serve_cache_misses_total", help: "Requests fetched from the upstream (pull-through).")
        upstreamBytes = registry.makeCounter(name: "modelget_serve_upstream_bytes_total", help: "Blob bytes fetched from upstreams.")
    }

    /// Counts one answered request by method and status.
    func request(method: String, status: Int, bytes: Int64) {
        registry.makeCounter(name: "modelget_serve_requests_total", labels: [("method", method), ("status", String(status))],
                             help: "Requests answered, by method and status.").increment()
        if bytes > 0 { bytesServed.increment(by: bytes) }
    }

    func hit() { cacheHits.increment() }
    func miss() { cacheMisses.increment() }
    func fetchedUpstream(_ bytes: Int64) { upstreamBytes.increment(by: bytes) }

    /// The text exposition of every metric.
    func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
