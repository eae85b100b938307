import ServiceSupport

/// Who may see and change a school's mentors and claims: the access and deletion policy as pure
/// functions over who is asking and what the claim is.
enum ClaimAccess {
    /// A school user of that school, or support; a school user of another school is told there is
    /// no such school, and a provider user is refused.
    static func school(_ urn: Int, for user: AuthenticatedUser) throws(IntakeError) {
        switch user.role {
        case .support: return
        case .school: guard user.urns.contains(urn) else { throw .noSuchSchool }
        case .provider: throw .forbidden("Provider users cannot manage a school's mentors or claims.")
        }
    }

    /// The statuses in which a provider user sees its claims (under audit, or paid).
    static let providerVisible: Set<ClaimStatus> = [.paid, .samplingInProgress, .samplingProviderNotApproved]

    /// Whether `user` may see the claim at all; anyone else is told there is no such claim.
    static func mayView(schoolURN: Int, providerCode: String, status: ClaimStatus, user: AuthenticatedUser) -> Bool {
        switch user.role {
        case .support: return true
        case .school: return user.urns.contains(schoolURN)
        case .provider: return user.providerCodes.contains(providerCode) && providerVisible.contains(status)
        }
    }

    /// Whether `role` may change a draft's mentors and provider.
    static func edit(by role: Role) throws(IntakeError) {
        if role == .provider { throw .forbidden("Provider users cannot change claims.") }
    }

    /// Only a user of the school submits its claim, after confirming the declaration.
    static func submit(by role: Role, declarationAccepted: Bool) throws(IntakeError) {
        guard role == .school else { throw .forbidden("Only a user of the school can submit its claim.") }
        guard declarationAccepted else {
            throw .invalid([FieldError(field: "declaration_accepted", message: "Confirm the declaration to submit the claim")])
        }
    }

    /// A school deletes its drafts; support deletes drafts and submitted claims; nothing later is
    /// ever deleted.
    static func delete(_ status: ClaimStatus, by role: Role) throws(IntakeError) {
        switch (status, role) {
        case (.draft, .school), (.draft, .support), (.submitted, .support): return
        case (.submitted, .school): throw .forbidden("A submitted claim can only be deleted by the Department for Education; contact support.")
        case (_, .provider): throw .forbidden("Provider users cannot delete claims.")
        default: throw .conflict("A claim that is \(status.rawValue) can no longer be deleted.")
        }
    }
}

/// What the database knows that a claim's check depends on, loaded in the claim's write
/// transaction so that no other claim can slip in between the check and the write.
struct ClaimFacts: Sendable {
    var schoolName: String
    var yearLabel: String
    var eligible: Bool
    var grantConditionsAccepted: Bool
    /// The named provider, when it exists.
    var provider: ProviderRecord?
    /// The named mentors found on the school's list, by TRN.
    var mentorsOnList: [String: (firstName: String, lastName: String)]
    /// Hours each named mentor has left with the named provider this year, by TRN.
    var remainingHours: [String: Int]
}

/// A claim as asked for: the provider's code and each mentor's TRN and hours, as typed.
struct ClaimRequest: Sendable, Equatable {
    struct Line: Sendable, Equatable {
        var trn: String
        var hours: Int
    }
    var providerCode: String
    var mentors: [Line]
}

/// The check every claim passes to be created, changed or submitted, and its price, as pure code.
enum ClaimCheck {
    /// The most mentors one claim can name (so no claim message can outgrow the bus's frame limit).
    static let maximumMentors = 50

    /// The claim's mentor lines, or every field error in the order a person reads the form.
    static func check(_ request: ClaimRequest, _ facts: ClaimFacts) throws(IntakeError) -> (ProviderRecord, [ClaimMentorLine]) {
        var errors = FieldErrors()
        if !facts.eligible { errors.add("school_urn", "\(facts.schoolName) is not eligible to claim for \(facts.yearLabel)") }
        if !facts.grantConditionsAccepted { errors.add("school_urn", "Accept the grant conditions before claiming") }
        var provider: ProviderRecord?
        if errors.check("provider_code", { try ProviderCode(parsing: request.providerCode) }) != nil {
            provider = facts.provider?.accredited == true ? facts.provider : nil
            if provider == nil { errors.add("provider_code", "Choose an accredited provider") }
        }
        if request.mentors.isEmpty { errors.add("mentors", "Add at least one mentor") }
        if request.mentors.count > maximumMentors {
            errors.add("mentors", "A claim can have at most \(maximumMentors) mentors: make a second claim for the others")
            try errors.throwIfAny()
        }
        var lines: [ClaimMentorLine] = []
        var seen = Set<String>()
        for (index, line) in request.mentors.enumerated() {
            guard let trn = errors.check("mentors[\(index)].trn", { try TRN(parsing: line.trn) }) else { continue }
            guard seen.insert(trn.value).inserted else {
                errors.add("mentors[\(index)].trn", "This mentor is already on the claim")
                continue
            }
            guard let mentor = facts.mentorsOnList[trn.value] else {
                errors.add("mentors[\(index)].trn", "Add the mentor with TRN \(trn.value) to the school's list first")
                continue
            }
            if provider != nil, let problem = HourAllowance.problem(hours: line.hours, remaining: facts.remainingHours[trn.value] ?? 0) {
                errors.add("mentors[\(index)].hours", problem)
                continue
            }
            lines.append(
                ClaimMentorLine(trn: trn.value, firstName: mentor.firstName, lastName: mentor.lastName, hours: line.hours, hoursClawedBack: 0)
            )
        }
        try errors.throwIfAny()
        guard let provider else { throw .invalid([FieldError(field: "provider_code", message: "Choose an accredited provider")]) }
        return (provider, lines)
    }

    /// The claim's price: the region's rate for the year times its hours.
    static func price(_ lines: [ClaimMentorLine], rate: Pence?, region: Region) throws(IntakeError) -> (rate: Pence, hours: Int, amount: Pence) {
        guard let rate else { throw .conflict("No funding rate is set for \(region.rawValue) in this academic year.") }
        let hours = lines.reduce(0) { $0 + $1.hours }
        return (rate, hours, rate * hours)
    }
}
