import Foundation

/// Time in England: windows open at 00:00 and close at 23:59:59.999 Europe/London.
struct LondonTime: Sendable {
    private let calendar: Calendar

    init() {
        var calendar = Calendar(identifier: .gregorian)
        // tzdata is a required system package; without it every window would be an hour out in summer.
        calendar.timeZone = TimeZone(identifier: "Europe/London") ?? TimeZone(secondsFromGMT: 0)!
        self.calendar = calendar
    }

    /// The London calendar date of `instant`.
    func date(of instant: Date) -> LocalDate {
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return LocalDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
    }

    /// The instant `hour:minute:second` London time on `date`.
    func instant(_ date: LocalDate, hour: Int, minute: Int, second: Int) -> Date {
        let components = DateComponents(
            calendar: calendar,
            timeZone: calendar.timeZone,
            year: date.year,
            month: date.month,
            day: date.day,
            hour: hour,
            minute: minute,
            second: second
        )
        return calendar.date(from: components) ?? Date(timeIntervalSince1970: 0)
    }

    /// Whole days from `from` to `to` (calendar dates in London).
    func days(from: LocalDate, to: LocalDate) -> Int {
        let start = instant(from, hour: 12, minute: 0, second: 0)
        let end = instant(to, hour: 12, minute: 0, second: 0)
        return Int((end.timeIntervalSince(start) / 86_400).rounded())
    }
}

/// A claim window: one academic year's opening and closing dates, both inclusive.
struct ClaimWindow: Sendable, Equatable {
    let id: Int64
    let academicYear: AcademicYear
    let opensOn: LocalDate
    let closesOn: LocalDate

    /// Where a window stands at an instant.
    enum State: String, Sendable { case past, current, upcoming }

    func opensAt(_ london: LondonTime) -> Date { london.instant(opensOn, hour: 0, minute: 0, second: 0) }
    /// The last instant of the closing date: 23:59:59.999 London time (a claim at 23:59:59.5 is in time).
    func closesAt(_ london: LondonTime) -> Date { london.instant(closesOn, hour: 23, minute: 59, second: 59).addingTimeInterval(0.999) }

    func state(at now: Date, _ london: LondonTime) -> State {
        if now < opensAt(london) { return .upcoming }
        if now > closesAt(london) { return .past }
        return .current
    }

    /// Days left including today, while open.
    func daysLeft(at now: Date, _ london: LondonTime) -> Int {
        max(0, london.days(from: london.date(of: now), to: closesOn) + 1)
    }
}

/// Why a window cannot be created or removed; each says what to fix.
enum ClaimWindowProblem: Error, Equatable {
    case closesBeforeOpening
    case opensBeforeAcademicYear(AcademicYear)
    case outsideAcademicYear(AcademicYear)
    case overlaps(ClaimWindow)
    case noFundingRates(AcademicYear)
    case alreadyPast
    case isPast
    case hasClaims

    var field: String {
        switch self {
        case .closesBeforeOpening, .outsideAcademicYear: return "closes_on"
        case .opensBeforeAcademicYear, .overlaps, .alreadyPast: return "opens_on"
        case .noFundingRates: return "academic_year"
        case .isPast, .hasClaims: return "id"
        }
    }

    var message: String {
        switch self {
        case .closesBeforeOpening: return "The closing date must be on or after the opening date"
        case .opensBeforeAcademicYear(let year): return "The opening date must be on or after \(year.firstDay), the start of \(year.label)"
        case .outsideAcademicYear(let year): return "The closing date must be on or before \(year.lastDay), the end of \(year.label)"
        case .overlaps(let other): return "The window overlaps window \(other.id), open from \(other.opensOn) to \(other.closesOn)"
        case .noFundingRates(let year): return "Set the funding rates for \(year.label) before opening a window"
        case .alreadyPast: return "The closing date has already passed"
        case .isPast: return "A past window cannot be changed or removed"
        case .hasClaims: return "A window with claims cannot be removed"
        }
    }
}

/// The claim window rules of `../spec/domain.md`.
enum ClaimWindowRules {
    /// Every problem with a new window; empty when it can be created.
    static func problems(
        academicYear: AcademicYear,
        opensOn: LocalDate,
        closesOn: LocalDate,
        existing: [ClaimWindow],
        hasRates: Bool,
        today: LocalDate
    ) -> [ClaimWindowProblem] {
        var problems: [ClaimWindowProblem] = []
        if closesOn < opensOn { problems.append(.closesBeforeOpening) }
        if opensOn < academicYear.firstDay { problems.append(.opensBeforeAcademicYear(academicYear)) }
        if closesOn > academicYear.lastDay { problems.append(.outsideAcademicYear(academicYear)) }
        if closesOn < today { problems.append(.alreadyPast) }
        if !hasRates { problems.append(.noFundingRates(academicYear)) }
        for other in existing where !(closesOn < other.opensOn || other.closesOn < opensOn) {
            problems.append(.overlaps(other))
        }
        return problems
    }

    /// Why `window` cannot be removed, if it cannot.
    static func removalProblem(_ window: ClaimWindow, claimCount: Int, now: Date, _ london: LondonTime) -> ClaimWindowProblem? {
        if window.state(at: now, london) == .past { return .isPast }
        if claimCount > 0 { return .hasClaims }
        return nil
    }
}

/// The hour allowance: per mentor, per provider, per academic year, across all schools.
enum HourAllowance {
    /// Initial or refresher training.
    enum TrainingType: String, Sendable { case initial, refresher }

    /// The total for a mentor with a provider in a year.
    static func total(year: AcademicYear, type: TrainingType) -> Int {
        type == .refresher ? year.refresherHours : year.initialHours
    }

    /// The message when `hours` is not between 1 and `remaining`.
    static func problem(hours: Int, remaining: Int) -> String? {
        guard remaining >= 1 else { return "This mentor has no hours left to claim with this provider this year" }
        guard hours >= 1 && hours <= remaining else { return "Enter the number of hours between 1 and \(remaining)" }
        return nil
    }
}
