import Messaging
import Testing

@Suite struct ReplayThrottleTests {
    typealias Throttle = ReplayThrottle<Int>

    @Test func aClientHammeringReplayIsServedAtMostTheRateAfterItsBurst() {
        var throttle = Throttle()
        let hostile: [UInt8] = [1, 2, 3]
        var served = 0
        // 1,000 requests a second for five seconds.
        for millis in stride(from: Int64(0), to: 5_000, by: 1) {
            if case .serve = throttle.arrive(Int(millis), identity: hostile, at: millis) { served += 1 }
            served += throttle.due(at: millis).count
        }
        #expect(served <= Throttle.burst + 5 * Throttle.perSecond + 1)
        #expect(served >= Throttle.burst + 5 * Throttle.perSecond - 1)
    }

    @Test func onlyTheNewestWaitingRequestIsKeptAndItIsServedWhenItsTurnComes() {
        var throttle = Throttle()
        let client: [UInt8] = [9]
        for n in 0..<Throttle.burst { _ = throttle.arrive(n, identity: client, at: 0) }
        guard case .wait = throttle.arrive(100, identity: client, at: 1) else {
            Issue.record("not throttled")
            return
        }
        guard case .wait = throttle.arrive(101, identity: client, at: 2) else {
            Issue.record("not throttled")
            return
        }
        #expect(throttle.due(at: 3).isEmpty)
        let wait = throttle.millisecondsUntilDue(at: 3)
        #expect(wait != nil && wait! <= 1000 / Int64(Throttle.perSecond))
        #expect(throttle.due(at: 3 + (wait ?? 0)) == [101])
        #expect(throttle.millisecondsUntilDue(at: 200) == nil)
    }

    @Test func otherClientsAreNotSlowedByOne() {
        var throttle = Throttle()
        for n in 0..<500 { _ = throttle.arrive(n, identity: [0], at: 0) }
        guard case .serve(7) = throttle.arrive(7, identity: [1], at: 0) else {
            Issue.record("a second client was throttled")
            return
        }
    }

    @Test func theNumberOfClientsTrackedIsBounded() {
        var throttle = Throttle()
        var refused = 0
        for n in 0..<(Throttle.maximumClients + 10) {
            // Each client spends its whole burst, so none is idle and none can be forgotten.
            let identity = withUnsafeBytes(of: UInt32(n)) { Array($0) }
            for _ in 0...Throttle.burst {
                if case .refuse = throttle.arrive(n, identity: identity, at: 0) { refused += 1 }
            }
        }
        #expect(throttle.clientCount == Throttle.maximumClients)
        #expect(refused > 0)
        // After a quiet spell, the idle clients are forgotten and a new one is served.
        _ = throttle.due(at: 10_000)
        guard case .serve = throttle.arrive(1, identity: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF], at: 60_000) else {
            Issue.record("a new client was refused after the others went quiet")
            return
        }
    }
}
