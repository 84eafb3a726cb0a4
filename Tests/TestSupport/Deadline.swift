/// Whether `body` returns within `limit`. A hang detector for tests of bounded operations (shutdown, exit): the
/// limit is the documented bound, far above what the operation takes; `body` keeps running if it is exceeded.
package func finishes(within limit: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
    let done = AsyncStream.makeStream(of: Void.self)
    let task = Task {
        await body()
        done.continuation.yield()
        done.continuation.finish()
    }
    let timer = Task {
        try? await Task.sleep(for: limit)
        done.continuation.finish()
    }
    var iterator = done.stream.makeAsyncIterator()
    let finished = await iterator.next() != nil
    timer.cancel()
    _ = task
    return finished
}
