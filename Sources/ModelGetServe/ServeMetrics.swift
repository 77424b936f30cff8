import Prometheus

/// The counters `GET /metrics` shows, in Prometheus' text format.
final class ServeMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let bytesServed: Counter
    private let cacheHits: Counter
    private let cacheMisses: Counter
    private let upstreamBytes: Counter

    init() {
        bytesServed = registry.makeCounter(descriptor: Self.descriptor("bytes_served", unit: "total", "Body bytes sent to clients."))
        cacheHits = registry.makeCounter(descriptor: Self.descriptor(
            "cache_hits", unit: "total", "Blob and manifest requests answered without fetching upstream."))
        cacheMisses = registry.makeCounter(descriptor: Self.descriptor(
            "cache_misses", unit: "total", "Blob and manifest fetches from upstreams (pull-through)."))
        upstreamBytes = registry.makeCounter(descriptor: Self.descriptor("upstream_bytes", unit: "total", "Blob bytes fetched from upstreams."))
    }

    /// `modelget_serve_<name>_<unit>`.
    private static func descriptor(_ name: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "modelget", subsystem: "serve", metricName: name, unitName: unit, helpText: help)
    }

    /// Counts one answered request by method and status.
    func request(method: String, status: Int, bytes: Int64) {
        registry.makeCounter(descriptor: Self.descriptor("requests", unit: "total", "Requests answered, by method and status."), labels: [("method", method), ("status", String(status))]).increment()
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
