import ServiceSupport

/// A mentor of a claim as audit keeps it.
struct ClaimMentorLine: Codable, Equatable, Sendable {
    var trn: String
    var firstName: String
    var lastName: String
    var hours: Int
}

/// One mentor line of support's decision: the school's response, or the hours trained.
struct DecisionLine: Equatable, Sendable {
    var trn: String
    var reason: String = ""
    var hoursTrained: Int = 0
    var notes: String?
}

/// The rules of support's decisions after a provider rejects, as pure functions over what the
/// database loaded: each gives the lines to record, or every field error.
enum AuditDecisions {
    /// The most lines a decision can name: no claim has more mentors.
    static let maximumLines = 50
    /// The longest reason, note or response text.
    static let maximumText = 2_000

    /// The school's response: one reason per named mentor, each on the claim and named once.
    static func schoolResponse(_ lines: [DecisionLine], claimMentors: [ClaimMentorLine]) throws(AuditError) -> [DecisionLine] {
        let mentors = Set(claimMentors.map(\.trn))
        var errors: [FieldError] = []
        var seen = Set<String>()
        let cleaned = lines.map { DecisionLine(trn: $0.trn.filter { !$0.isWhitespace }, reason: $0.reason) }
        for (i, line) in cleaned.enumerated() {
            if !mentors.contains(line.trn) { errors.append(FieldError(field: "mentors[\(i)].trn", message: "This mentor is not on the claim")) }
            if !seen.insert(line.trn).inserted {
                errors.append(FieldError(field: "mentors[\(i)].trn", message: "This mentor is named more than once"))
            }
        }
        guard errors.isEmpty else { throw .invalid(errors) }
        return cleaned
    }

    /// A clawback: exactly the mentors the provider did not accept, each with hours trained
    /// between 0 and the hours claimed; each line claws back the hours not trained.
    static func clawback(
        _ lines: [DecisionLine],
        claimMentors: [ClaimMentorLine],
        notAccepted: Set<String>
    ) throws(AuditError)
        -> [ClawbackLine]
    {
        var errors: [FieldError] = []
        var result: [ClawbackLine] = []
        var named = Set<String>()
        for (i, line) in lines.enumerated() {
            let trn = line.trn.filter { !$0.isWhitespace }
            let field = "mentors[\(i)].trn"
            guard let mentor = claimMentors.first(where: { $0.trn == trn }) else {
                errors.append(FieldError(field: field, message: "This mentor is not on the claim"))
                continue
            }
            guard named.insert(trn).inserted else {
                errors.append(FieldError(field: field, message: "Mentor \(trn) is named more than once: name each mentor once"))
                continue
            }
            guard notAccepted.contains(trn) else {
                errors.append(
                    FieldError(field: field, message: "The provider accepted mentor \(trn): only mentors it did not accept can be clawed back")
                )
                continue
            }
            guard (0...mentor.hours).contains(line.hoursTrained) else {
                errors.append(FieldError(field: "mentors[\(i)].hours_trained", message: "Enter the hours trained between 0 and \(mentor.hours)"))
                continue
            }
            result.append(ClawbackLine(trn: mentor.trn, hoursClawedBack: mentor.hours - line.hoursTrained, notes: line.notes))
        }
        for trn in notAccepted.subtracting(named).sorted() where errors.isEmpty {
            errors.append(FieldError(field: "mentors", message: "Enter the hours trained for mentor \(trn), whom the provider did not accept"))
        }
        guard errors.isEmpty else { throw .invalid(errors) }
        return result
    }
}

/// One mentor of a clawback: the hours clawed back, and support's notes.
struct ClawbackLine: Codable, Equatable, Sendable {
    var trn: String
    var hoursClawedBack: Int
    var notes: String?
}
