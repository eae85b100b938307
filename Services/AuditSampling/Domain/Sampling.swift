import Foundation

/// A small, seedable random number generator (SplitMix64), so a sample can be drawn again from
/// its recorded seed and come out the same on any machine.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A paid claim as the selection sees it.
struct PaidClaim: Sendable, Equatable {
    let reference: String
    let schoolURN: Int
    let amountPence: Int64
    let flagged: Bool
}

/// Why a claim is in a sample.
enum SampleReason: String, Sendable, Equatable {
    case schoolOverThreshold = "school claims total more than £5,000"
    case flagged = "flagged before payment"
    case random = "drawn at random, weighted by value"
}

/// The share of a year's paid value a sample must hold, in parts per million: money and shares
/// are whole numbers, so "at least the share" is exact.
struct SampleShare: Sendable, Equatable {
    /// Parts per million, 1 to 1,000,000.
    let ppm: Int64

    /// 10%, the default.
    static let standard = SampleShare(ppm: 100_000)

    init(ppm: Int64) { self.ppm = ppm }

    /// Why a share cannot be used.
    struct Invalid: Error {}

    /// A share written as a decimal such as `0.10`: more than 0, at most 1, and at most six
    /// decimal places. Read as a `Decimal`, never as a binary floating-point number.
    init(_ decimal: Decimal) throws {
        var scaled = decimal * 1_000_000
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard rounded == scaled, rounded > 0, rounded <= 1_000_000 else { throw Invalid() }
        ppm = NSDecimalNumber(decimal: rounded).int64Value
    }

    /// The least whole number of pence that is at least this share of `total`.
    func target(ofTotal total: Int64) -> Int64 {
        let (whole, rest) = total.quotientAndRemainder(dividingBy: 1_000_000)
        return whole * ppm + (rest * ppm + 999_999) / 1_000_000
    }

    /// The share as a decimal, for the record (`0.1`).
    var decimalText: String { "\(Decimal(ppm) / 1_000_000)" }
}

/// The service's own selection (`../spec/domain.md`, "Sampling"): every claim of a school whose
/// claims total more than £5,000 in the year, every flagged claim, then claims drawn at random,
/// weighted by value, until the sample holds at least `share` of the year's paid value.
enum SampleSelection {
    /// More than this, in pence, puts every claim of a school in the sample.
    static let schoolThresholdPence: Int64 = 500_000

    /// Selects from `claims` (those that may be drawn) until the sample holds `share` of
    /// `yearTotal` (the year's whole paid value; by default the claims' own total).
    static func select(
        _ claims: [PaidClaim],
        share: SampleShare,
        seed: UInt64,
        yearTotal: Int64? = nil
    ) -> [(claim: PaidClaim, reason: SampleReason)] {
        let ordered = claims.sorted { $0.reference < $1.reference }  // input order never matters
        let total = yearTotal ?? ordered.reduce(Int64(0)) { $0 + $1.amountPence }
        var bySchool: [Int: Int64] = [:]
        for claim in ordered { bySchool[claim.schoolURN, default: 0] += claim.amountPence }
        var chosen: [(PaidClaim, SampleReason)] = []
        var taken = Set<String>()
        var value: Int64 = 0
        for claim in ordered where (bySchool[claim.schoolURN] ?? 0) > schoolThresholdPence {
            chosen.append((claim, .schoolOverThreshold))
            taken.insert(claim.reference)
            value += claim.amountPence
        }
        for claim in ordered where claim.flagged && !taken.contains(claim.reference) {
            chosen.append((claim, .flagged))
            taken.insert(claim.reference)
            value += claim.amountPence
        }
        // The target in pence, rounded up so that "at least the share" holds exactly.
        let target = share.target(ofTotal: total)
        let pool = ordered.filter { !taken.contains($0.reference) && $0.amountPence > 0 }
        var weights = FenwickTree(pool.map(\.amountPence))
        var generator = SeededGenerator(seed: seed)
        while value < target && weights.total > 0 {
            // Each remaining claim is drawn with probability proportional to its value.
            let index = weights.index(containing: Int64(generator.next() % UInt64(weights.total)))
            let claim = pool[index]
            weights.remove(at: index, weight: claim.amountPence)
            chosen.append((claim, .random))
            value += claim.amountPence
        }
        return chosen.map { (claim: $0.0, reason: $0.1) }
    }
}

/// A provider's response deadline: 21 days after the request, moved to the next working day
/// (Monday) when it falls on a weekend.
enum ResponseDeadline {
    static func due(requestedOn date: (year: Int, month: Int, day: Int)) -> (year: Int, month: Int, day: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London") ?? .gmt
        let start = calendar.date(from: DateComponents(year: date.year, month: date.month, day: date.day, hour: 12)) ?? Date()
        var due = calendar.date(byAdding: .day, value: 21, to: start) ?? start
        while calendar.isDateInWeekend(due) { due = calendar.date(byAdding: .day, value: 1, to: due) ?? due }
        let parts = calendar.dateComponents([.year, .month, .day], from: due)
        return (parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}

/// Prefix sums over weights with O(log n) update and search, so a weighted draw without
/// replacement from 100,000 claims costs microseconds per draw instead of a scan.
struct FenwickTree: Sendable {
    private var tree: [Int64]
    private(set) var total: Int64

    init(_ weights: [Int64]) {
        tree = [Int64](repeating: 0, count: weights.count + 1)
        total = 0
        for (i, w) in weights.enumerated() { add(at: i, w) }
    }

    private mutating func add(at index: Int, _ delta: Int64) {
        var i = index + 1
        while i < tree.count {
            tree[i] += delta
            i += i & -i
        }
        total += delta
    }

    /// Removes an item's weight so it cannot be drawn again.
    mutating func remove(at index: Int, weight: Int64) { add(at: index, -weight) }

    /// The index whose weight interval contains `target` (0 ≤ target < total).
    func index(containing target: Int64) -> Int {
        var position = 0
        var remaining = target
        var step = 1
        while step * 2 < tree.count { step *= 2 }
        while step > 0 {
            let next = position + step
            if next < tree.count && tree[next] <= remaining {
                position = next
                remaining -= tree[next]
            }
            step /= 2
        }
        return position
    }
}
