import Foundation
import Messaging
import Testing

@Suite struct SubscriptionStateTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func startingAsksForEverythingAfterTheStoredCursor() {
        var state = SubscriptionState(cursor: 41)
        #expect(state.start(now: t0) == .requestReplay(after: 41))
        #expect(!state.isCaughtUp)
    }

    @Test func theNextSequenceIsAppliedAndEarlierOnesAreDuplicates() {
        var state = SubscriptionState(cursor: 0)
        _ = state.start(now: t0)
        #expect(state.received(sequence: 1, replayed: true, now: t0) == .apply)
        #expect(state.received(sequence: 1, replayed: false, now: t0) == .duplicate)
        #expect(state.received(sequence: 2, replayed: false, now: t0) == .apply)
        #expect(state.cursor == 2)
    }

    @Test func aMessageAheadOfTheCursorWhileReplayingWaitsForTheReplay() {
        var state = SubscriptionState(cursor: 0)
        _ = state.start(now: t0)
        #expect(state.received(sequence: 5, replayed: false, now: t0) == .awaitReplay)
        #expect(state.cursor == 0)
    }

    @Test func aGapInTheLiveStreamAsksForAReplayOnce() {
        var state = SubscriptionState(cursor: 0)
        _ = state.start(now: t0)
        #expect(state.replayEnded(head: 0, firstAvailable: 1, now: t0) == .none)
        #expect(state.isCaughtUp)
        #expect(state.received(sequence: 1, replayed: false, now: t0) == .apply)
        #expect(state.received(sequence: 3, replayed: false, now: t0) == .requestReplay(after: 1))
        #expect(state.received(sequence: 4, replayed: false, now: t0) == .awaitReplay)
        #expect(state.received(sequence: 2, replayed: true, now: t0) == .apply)
        #expect(state.received(sequence: 3, replayed: true, now: t0) == .apply)
    }

    @Test func aHeartbeatAheadOfTheCursorRevealsALostTail() {
        var state = SubscriptionState(cursor: 10)
        _ = state.start(now: t0)
        _ = state.replayEnded(head: 10, firstAvailable: 1, now: t0)
        #expect(state.heartbeat(head: 10, now: t0) == .none)
        #expect(state.heartbeat(head: 15, now: t0) == .requestReplay(after: 10))
        #expect(!state.isCaughtUp)
        #expect(state.lag == 5)
        // A second heartbeat while the replay is under way does not ask again.
        #expect(state.heartbeat(head: 15, now: t0) == .none)
    }

    @Test func aReplayEndBehindTheHeadAsksForTheNextBatch() {
        var state = SubscriptionState(cursor: 0)
        _ = state.start(now: t0)
        for n in 1...1000 { _ = state.received(sequence: Int64(n), replayed: true, now: t0) }
        #expect(state.replayEnded(head: 2500, firstAvailable: 1, now: t0) == .requestReplay(after: 1000))
        for n in 1001...2500 { _ = state.received(sequence: Int64(n), replayed: true, now: t0) }
        #expect(state.replayEnded(head: 2500, firstAvailable: 1, now: t0) == .none)
        #expect(state.isCaughtUp)
    }

    @Test func messagesRemovedByRetentionAreSkippedAndRecorded() {
        var state = SubscriptionState(cursor: 3)
        _ = state.start(now: t0)
        #expect(state.replayEnded(head: 20, firstAvailable: 8, now: t0) == .skipLost(from: 4, through: 7))
        #expect(state.cursor == 7)
        #expect(state.received(sequence: 8, replayed: true, now: t0) == .apply)
    }

    @Test func anUnansweredReplayIsAskedAgainAfterTheTimeout() {
        var state = SubscriptionState(cursor: 0)
        _ = state.start(now: t0)
        #expect(state.tick(now: t0.addingTimeInterval(1)) == .none)
        #expect(state.tick(now: t0.addingTimeInterval(SubscriptionState.replayTimeout)) == .requestReplay(after: 0))
    }

    @Test func aLiveSubscriberNeverReasksOnTick() {
        var state = SubscriptionState(cursor: 0)
        _ = state.start(now: t0)
        _ = state.replayEnded(head: 0, firstAvailable: 1, now: t0)
        #expect(state.tick(now: t0.addingTimeInterval(100)) == .none)
    }

    @Test func aRefusedReplayIsRetriedSoonAfter() {
        var state = SubscriptionState(cursor: 0)
        _ = state.start(now: t0)
        #expect(state.replayFailed(now: t0) == .none)
        #expect(state.tick(now: t0.addingTimeInterval(SubscriptionState.replayTimeout / 2)) == .requestReplay(after: 0))
    }

    @Test func resetStartsAgainFromTheInboxCursor() {
        var state = SubscriptionState(cursor: 0)
        _ = state.start(now: t0)
        for n in 1...5 { _ = state.received(sequence: Int64(n), replayed: true, now: t0) }
        #expect(state.reset(cursor: 2, now: t0) == .requestReplay(after: 2))
        #expect(state.received(sequence: 3, replayed: true, now: t0) == .apply)
    }

    @Test func caughtUpNeedsToHaveHeardFromTheProducer() {
        var state = SubscriptionState(cursor: 0)
        _ = state.start(now: t0)
        #expect(!state.heardFromProducer)
        _ = state.replayEnded(head: 0, firstAvailable: 1, now: t0)
        #expect(state.heardFromProducer && state.isCaughtUp)
    }
}
