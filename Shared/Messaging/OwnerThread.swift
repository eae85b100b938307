import Foundation
import ServiceLifecycle
import Synchronization

/// A dedicated thread that owns blocking resources (ZeroMQ sockets, synchronous database
/// writes), so that no blocking call ever runs on Swift's cooperative pool.
public final class OwnerThread: Sendable {
    private struct State {
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())
    /// Set when the thread should finish its loop.
    public let stopRequested = Atomic<Bool>(false)

    private init() {}

    /// Starts `body` on a new thread named `name` and returns once it calls `ready`: with
    /// `.success` after binding its sockets, or a failure that is rethrown here.
    public static func start(
        name: String,
        body: @escaping @Sendable (_ thread: OwnerThread, _ ready: @escaping @Sendable (Result<Void, any Error>) -> Void) -> Void
    ) async throws -> OwnerThread {
        let thread = OwnerThread()
        let once = Mutex<CheckedContinuation<Void, any Error>?>(nil)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            once.withLock { $0 = continuation }
            let ready: @Sendable (Result<Void, any Error>) -> Void = { result in
                let waiting = once.withLock { value -> CheckedContinuation<Void, any Error>? in
                    defer { value = nil }
                    return value
                }
                waiting?.resume(with: result)
            }
            let worker = Thread {
                body(thread, ready)
                ready(.failure(CancellationError()))  // no-op when already reported
                thread.finish()
            }
            worker.name = name
            worker.stackSize = 1 << 20
            worker.start()
        }
        return thread
    }

    private func finish() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether the loop should stop.
    public var shouldStop: Bool { stopRequested.load(ordering: .acquiring) }

    /// Asks the loop to stop; the caller also wakes it.
    public func requestStop() { stopRequested.store(true, ordering: .releasing) }

    /// Waits for the body to return, asking it to stop (and waking it through `wakeup`) on
    /// graceful shutdown or task cancellation: the `run()` of a thread-owning `Service`.
    public func runUntilShutdown(wakeup: Wakeup) async {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await join()
            } onGracefulShutdown: {
                self.requestStop()
                wakeup.wake()
            }
        } onCancel: {
            self.requestStop()
            wakeup.wake()
        }
    }

    /// Waits, without blocking a thread of the pool, until the body has returned.
    public func join() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if state.finished { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}
