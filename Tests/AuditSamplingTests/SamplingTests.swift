import Foundation
import Testing
@testable import AuditSampling

@Suite struct SamplingTests {
    /// A fixed data set: school 1 at exactly £5,000.00, school 2 at £5,000.01, others small.
    var claims: [PaidClaim] {
        var claims = [
            PaidClaim(reference: "10000001", schoolURN: 1, amountPence: 300_000, flagged: false),
            PaidClaim(reference: "10000002", schoolURN: 1, amountPence: 200_000, flagged: false),
            PaidClaim(reference: "20000001", schoolURN: 2, amountPence: 400_000, flagged: false),
            PaidClaim(reference: "20000002", schoolURN: 2, amountPence: 100_001, flagged: false),
            PaidClaim(reference: "30000001", schoolURN: 3, amountPence: 50_000, flagged: true),
        ]
        for i in 0..<200 {
            claims.append(PaidClaim(reference: String(format: "9%07d", i), schoolURN: 100 + i, amountPence: Int64(20_000 + i * 100), flagged: false))
        }
        return claims
    }

    @Test func aSchoolAtFiveThousandAndOnePenceHasEveryClaimSampledAndOneAtExactlyFiveThousandDoesNot() {
        let sample = SampleSelection.select(claims, share: 0.10, seed: 42)
        let reasons = Dictionary(uniqueKeysWithValues: sample.map { ($0.claim.reference, $0.reason) })
        #expect(reasons["20000001"] == .schoolOverThreshold)
        #expect(reasons["20000002"] == .schoolOverThreshold)
        #expect(reasons["10000001"] != .schoolOverThreshold)
        #expect(reasons["10000002"] != .schoolOverThreshold)
        #expect(reasons["30000001"] == .flagged)
    }

    @Test func theSampleHoldsAtLeastTheShareAskedFor() {
        let total = claims.reduce(Int64(0)) { $0 + $1.amountPence }
        for share in [0.05, 0.10, 0.25, 0.5, 1.0] {
            let value = SampleSelection.select(claims, share: share, seed: 7).reduce(Int64(0)) { $0 + $1.claim.amountPence }
            #expect(Double(value) >= Double(total) * share, "share \(share)")
        }
    }

    @Test func theSameSeedGivesTheSameSampleWhateverTheInputOrder() {
        let first = SampleSelection.select(claims, share: 0.2, seed: 2025).map(\.claim.reference)
        let again = SampleSelection.select(claims.reversed(), share: 0.2, seed: 2025).map(\.claim.reference)
        let other = SampleSelection.select(claims, share: 0.2, seed: 2026).map(\.claim.reference)
        #expect(first == again)
        #expect(first != other)
    }

    @Test func aRequestOnSaturdayIsDueOnTheMonday23DaysLaterAndOnTuesday21Days() {
        // 2026-03-07 is a Saturday; 21 days on is Saturday 28 March, so Monday 30 March.
        #expect(ResponseDeadline.due(requestedOn: (2026, 3, 7)) == (2026, 3, 30))
        // 2026-03-10 is a Tuesday; 21 days on is Tuesday 31 March.
        #expect(ResponseDeadline.due(requestedOn: (2026, 3, 10)) == (2026, 3, 31))
        // Across the clocks going forward (29 March 2026), still whole days.
        #expect(ResponseDeadline.due(requestedOn: (2026, 3, 14)) == (2026, 4, 6))
    }
}

@Suite struct FenwickTreeTests {
    @Test func drawsLandOnTheRightItemAndRemovedItemsAreNeverDrawn() {
        var tree = FenwickTree([5, 0, 3, 2])
        #expect(tree.total == 10)
        #expect((0..<5).map { tree.index(containing: $0) } == [0, 0, 0, 0, 0])
        #expect((5..<8).map { tree.index(containing: $0) } == [2, 2, 2])
        #expect((8..<10).map { tree.index(containing: $0) } == [3, 3])
        tree.remove(at: 2, weight: 3)
        #expect(tree.total == 7)
        #expect((5..<7).map { tree.index(containing: $0) } == [3, 3])
    }
}
