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
        let sample = SampleSelection.select(claims, share: .standard, seed: 42)
        let reasons = Dictionary(uniqueKeysWithValues: sample.map { ($0.claim.reference, $0.reason) })
        #expect(reasons["20000001"] == .schoolOverThreshold)
        #expect(reasons["20000002"] == .schoolOverThreshold)
        #expect(reasons["10000001"] != .schoolOverThreshold)
        #expect(reasons["10000002"] != .schoolOverThreshold)
        #expect(reasons["30000001"] == .flagged)
    }

    @Test func theSampleHoldsAtLeastTheShareAskedFor() {
        let total = claims.reduce(Int64(0)) { $0 + $1.amountPence }
        for ppm: Int64 in [50_000, 100_000, 250_000, 500_000, 1_000_000] {
            let value = SampleSelection.select(claims, share: SampleShare(ppm: ppm), seed: 7).reduce(Int64(0)) { $0 + $1.claim.amountPence }
            #expect(value * 1_000_000 >= total * ppm, "share \(ppm) ppm")
        }
    }

    @Test func theSameSeedGivesTheSameSampleWhateverTheInputOrder() {
        let first = SampleSelection.select(claims, share: SampleShare(ppm: 200_000), seed: 2025).map(\.claim.reference)
        let again = SampleSelection.select(claims.reversed(), share: SampleShare(ppm: 200_000), seed: 2025).map(\.claim.reference)
        let other = SampleSelection.select(claims, share: SampleShare(ppm: 200_000), seed: 2026).map(\.claim.reference)
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

    @Test func aShareIsReadAsADecimalAndTheTargetIsExactInPence() throws {
        #expect(try SampleShare(Decimal(string: "0.10")!).ppm == 100_000)
        #expect(try SampleShare(Decimal(string: "0.123456")!).ppm == 123_456)
        #expect(try SampleShare(Decimal(string: "1")!).ppm == 1_000_000)
        for bad in ["0", "-0.1", "1.000001", "0.1234567", "2"] {
            #expect(throws: SampleShare.Invalid.self, "\(bad)") { try SampleShare(Decimal(string: bad)!) }
        }
        // 10% of 1,000,001 pence is 100,000.1: at least the share is 100,001 pence.
        #expect(SampleShare.standard.target(ofTotal: 1_000_001) == 100_001)
        #expect(SampleShare.standard.target(ofTotal: 1_000_000) == 100_000)
        // A value where binary floating point goes wrong: 0.07 × 100 = 7.000000000000001.
        #expect(SampleShare(ppm: 70_000).target(ofTotal: 100) == 7)
        #expect(SampleShare(ppm: 1_000_000).target(ofTotal: Int64.max / 2) == Int64.max / 2)
    }
}
