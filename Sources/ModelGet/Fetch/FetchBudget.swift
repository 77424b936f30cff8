import Synchronization

/// The most bytes one blob may pull over the network, whatever the
/// retries: a few times its size. A server that sends the blob again and
/// again without ever finishing it ends the blob instead of looping.
final class FetchBudget: Sendable {
    let limit: Int64
    private let spent = Atomic<Int64>(0)

    /// A budget of `multiple` times `size`, plus some slack for small blobs.
    init(size: Int64, multiple: Int64 = 4) {
        let product = size.multipliedReportingOverflow(by: multiple)
        let total = product.partialValue.addingReportingOverflow(1 << 20)
        limit = product.overflow || total.overflow ? .max : total.partialValue
    }

    /// Bytes fetched so far.
    var fetched: Int64 { spent.load(ordering: .relaxed) }

    /// Counts `count` bytes; false once the budget is exceeded.
    func spend(_ count: Int64) -> Bool {
        spent.add(count, ordering: .relaxed).newValue <= limit
    }
}
