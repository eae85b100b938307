import ClaimsIntakeAPI
import Foundation
import Hummingbird
import ServiceSupport

/// A school's pages: home with the window banner, grant conditions, mentors, a claim, funding,
/// its users; and a trust's page for MAT users.
struct SchoolRoutes {
    let site: Site

    func add(to router: Router<ServiceRequestContext>) {
        site.on(router, .get, "/schools/:urn") { try await home($0) }
        site.on(router, .get, "/schools/:urn/grant-conditions") { try await grantConditions($0, errors: PageErrors()) }
        site.on(router, .post, "/schools/:urn/grant-conditions") { try await acceptGrantConditions($0) }
        site.on(router, .get, "/schools/:urn/mentors") { try await mentors($0, errors: PageErrors()) }
        site.on(router, .post, "/schools/:urn/mentors") { try await addMentor($0) }
        site.on(router, .get, "/schools/:urn/mentors/:trn/remove") { try await confirmRemoveMentor($0) }
        site.on(router, .post, "/schools/:urn/mentors/:trn/remove") { try await removeMentor($0) }
        site.on(router, .get, "/schools/:urn/claims/:reference") { try await claim($0) }
        site.on(router, .get, "/schools/:urn/claims/:reference/remove") { try await confirmRemoveClaim($0) }
        site.on(router, .post, "/schools/:urn/claims/:reference/remove") { try await removeClaim($0) }
        site.on(router, .get, "/schools/:urn/funding") { try await funding($0) }
        site.on(router, .get, "/trusts/:uid") { try await trust($0) }
    }

    // MARK: Access

    /// The school of the path, if the person belongs to it; 404 otherwise, as if it did not exist.
    static func school(_ request: PageRequest) throws -> (user: User, urn: Int, membership: Membership) {
        let user = try request.signedIn
        guard let text = request.parameter("urn"), text.count <= 7, let urn = Int(text),
            let membership = user.memberships.first(where: { $0.kind == .school && $0.organisationID == String(urn) })
        else { throw PageError.notFound }
        return (user, urn, membership)
    }

    /// The school's values every school page shows: its name, the navigation, the window.
    static func frame(_ site: Site, _ user: User, _ urn: Int, _ school: SchoolAPI, current: String) -> [String: Any] {
        let items: [(String, String, String)] = [
            ("claims", "Claims", "/schools/\(urn)"), ("mentors", "Mentors", "/schools/\(urn)/mentors"),
            ("funding", "Funding", "/schools/\(urn)/funding"), ("users", "Users", "/schools/\(urn)/users"),
        ]
        var values: [String: Any] = [
            "schoolName": school.name, "urn": urn,
            "schoolNav": items.map { ["label": $0.1, "href": $0.2, "current": $0.0 == current] },
        ]
        if user.schoolURNs.count > 1 { values["changeOrganisation"] = true }
        return values
    }

    func loadSchool(_ urn: Int, _ user: User) async throws -> SchoolAPI {
        try await site.client.school(urn, as: Actors.school(user))
    }

    /// The window banner: days left from 30 days before the close, hours on the last day.
    static func banner(_ window: WindowAPI?, now: Date) -> [String: Any] {
        guard let window else {
            return ["closed": true, "text": "You cannot claim at the moment: no claim window is open."]
        }
        let closes = Presentation.date(window.closesOn)
        let closesAt = Presentation.instant(window.closesAt) ?? now
        let hours = Int(closesAt.timeIntervalSince(now) / 3600)
        var text = "Claims for \(Presentation.academicYear(window.academicYear)) can be made until 11:59pm on \(closes)."
        var urgent = false
        if let days = window.daysLeft, days <= 30 {
            urgent = true
            if closesAt.timeIntervalSince(now) < 24 * 3600 {
                text = "This is the last day to claim: the window closes in \(hours <= 1 ? "less than 2 hours" : "\(hours) hours"), at 11:59pm."
            } else {
                text += " \(days == 1 ? "1 day" : "\(days) days") left."
            }
        }
        return ["closed": false, "text": text, "urgent": urgent]
    }

    // MARK: Home

    /// Claims a page, as in the DfE service.
    static let perPage = 25

    func home(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, _) = try Self.school(request)
        let actor = Actors.school(user)
        // The three calls at once: the year is the current window's, which is the school's
        // current academic year whenever a window is open.
        let client = site.client
        let guessedYear = academicYear(of: site.now())
        let page = request.query("page").flatMap { Int($0) }.map { min(max($0, 1), 10_000) } ?? 1
        @Sendable func inYear(_ year: Int) -> ClaimsIntakeAPI.Operations.SearchClaims.Input.Query {
            .init(schoolUrn: urn, academicYear: year, sort: ._hyphen_submittedAt, page: page, perPage: Self.perPage)
        }
        async let schoolCall = outcome { try await loadSchool(urn, user) }
        async let windowCall = outcome { try await client.currentWindow(as: actor) }
        async let claimsCall = outcome { try await client.claims(inYear(guessedYear), as: actor) }
        let (schoolResult, windowResult, claimsResult) = await (schoolCall, windowCall, claimsCall)
        let school = try schoolResult.get()
        if !school.grantConditionsAccepted { return .redirect("/schools/\(urn)/grant-conditions") }
        let window = try await found { try windowResult.get() }
        let year = window?.academicYear ?? school.academicYear ?? guessedYear
        var claims = try claimsResult.get()
        if year != guessedYear {
            claims = try await client.claims(inYear(year), as: actor)
        }
        var values = Self.frame(site, user, urn, school, current: "claims")
        values["title"] = "Claims - \(school.name)"
        values["academicYear"] = Presentation.academicYear(year)
        values["banner"] = Self.banner(window, now: site.now())
        values["canClaim"] = window != nil && school.eligible
        if !school.eligible { values["notEligible"] = true }
        values["claims"] = claims.items.map { Self.claimRow($0, urn: urn) }
        values.merge(Paging(page: page, perPage: Self.perPage, total: claims.total ?? claims.items.count).values { "/schools/\(urn)?page=\($0)" }) {
            $1
        }
        values["hasClaims"] = !claims.items.isEmpty
        let drafts = claims.items.filter { ClaimStatus.draft ~= $0.status }.count
        if drafts > 0 { values["draftsText"] = drafts == 1 ? "You have 1 draft claim to submit." : "You have \(drafts) draft claims to submit." }
        return .page("school-home", values)
    }

    static func claimRow(_ claim: ClaimListItemAPI, urn: Int) -> [String: Any] {
        let tag = Presentation.tag(claim.status)
        return [
            "reference": claim.reference, "href": "/schools/\(urn)/claims/\(claim.reference)", "provider": claim.provider.name,
            "hours": Presentation.hours(claim.totalHours),
            "amount": claim.amountPence.map(MoneyText.pounds) ?? "", "tag": tag.label, "tagColour": tag.colour,
            "submitted": claim.submittedAt.map(Presentation.timestamp) ?? "Not submitted", "nextStep": claim.nextStep,
        ]
    }

    // MARK: Grant conditions

    func grantConditions(_ request: PageRequest, errors: PageErrors) async throws -> PageResult {
        let (user, urn, _) = try Self.school(request)
        let school = try await loadSchool(urn, user)
        var values = Self.frame(site, user, urn, school, current: "claims")
        values["title"] = (errors.isEmpty ? "" : "Error: ") + "Grant conditions - \(school.name)"
        values["accepted"] = school.grantConditionsAccepted
        if let at = school.grantConditionsAcceptedAt { values["acceptedAt"] = Presentation.timestamp(at) }
        values.merge(errors.context) { $1 }
        return .page("grant-conditions", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func acceptGrantConditions(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, _) = try Self.school(request)
        guard request.form["accept"] == "yes" else {
            var errors = PageErrors()
            errors.add("accept", "Confirm that you have read and accept the grant conditions")
            return try await grantConditions(request, errors: errors)
        }
        _ = try await site.client.claimsIntake(as: Actors.school(user)) { try await $0.acceptGrantConditions(path: .init(urn: urn)).created }
        try await site.sessions.setFlash(request.session, "You have accepted the grant conditions")
        return .redirect("/schools/\(urn)")
    }

    // MARK: Mentors

    func mentors(_ request: PageRequest, errors: PageErrors, entered: [String: String] = [:]) async throws -> PageResult {
        let (user, urn, _) = try Self.school(request)
        let actor = Actors.school(user)
        let school = try await loadSchool(urn, user)
        if !school.grantConditionsAccepted { return .redirect("/schools/\(urn)/grant-conditions") }
        let (list, fromRecord) = try await site.client.mentorList(urn, as: actor)
        // Remaining hours per provider the school claims with this year.
        let year = school.academicYear ?? academicYear(of: site.now())
        let claims = try await site.client.claims(.init(schoolUrn: urn, academicYear: year, perPage: 100), as: actor)
        var providers: [(code: String, name: String)] = []
        for claim in claims.items where !providers.contains(where: { $0.code == claim.provider.code }) {
            providers.append((claim.provider.code, claim.provider.name))
        }
        var rows: [[String: Any]] = []
        for mentor in list {
            var hours: [[String: Any]] = []
            for provider in providers.prefix(5) {
                if let allowance = try await found({
                    try await site.client.allowance(urn, mentor.trn, provider: provider.code, as: actor)
                }) {
                    hours.append([
                        "provider": provider.name, "remaining": Presentation.hours(allowance.remainingHours), "total": allowance.totalHours,
                    ])
                }
            }
            rows.append([
                "name": mentor.name, "trn": mentor.trn, "remaining": hours, "hasRemaining": !hours.isEmpty,
                "removeHref": "/schools/\(urn)/mentors/\(mentor.trn)/remove",
            ])
        }
        var values = Self.frame(site, user, urn, school, current: "mentors")
        values["title"] = (errors.isEmpty ? "" : "Error: ") + "Mentors - \(school.name)"
        values["mentors"] = rows
        values["hasMentors"] = !rows.isEmpty
        values["entered"] = entered
        values["fromRecord"] = fromRecord
        if let back = request.query("return"), back == "claim" { values["returnToClaim"] = true }
        values.merge(errors.context) { $1 }
        return .page("mentors", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func addMentor(_ request: PageRequest) async throws -> PageResult {
        if request.form["lookup"] == "record" { return try await addMentorFromRecord(request) }
        let (user, urn, _) = try Self.school(request)
        var errors = PageErrors()
        let trn = request.form["trn"] ?? ""
        let first = request.form["first_name"] ?? ""
        let last = request.form["last_name"] ?? ""
        if trn.isEmpty { errors.add("trn", "Enter the mentor's teacher reference number (TRN)") }
        if first.isEmpty { errors.add("first_name", "Enter the mentor's first name") }
        if last.isEmpty { errors.add("last_name", "Enter the mentor's last name") }
        let entered = ["trn": trn, "first_name": first, "last_name": last]
        guard errors.isEmpty else { return try await mentors(request, errors: errors, entered: entered) }
        do {
            _ = try await site.client.claimsIntake(as: Actors.school(user)) {
                try await $0.addMentor(path: .init(urn: urn), body: .json(.init(trn: trn, firstName: first, lastName: last))).created
            }
        } catch ServiceCallError.invalid(let fields, let detail) {
            for field in fields { errors.add(["trn", "first_name", "last_name"].contains(field.field) ? field.field : "trn", field.message) }
            if errors.isEmpty { errors.add("trn", detail) }
            return try await mentors(request, errors: errors, entered: entered)
        } catch ServiceCallError.conflict(_, let detail) {
            errors.add("trn", detail)
            return try await mentors(request, errors: errors, entered: entered)
        }
        try await site.sessions.setFlash(request.session, "\(first) \(last) has been added")
        return .redirect(request.form["return"] == "claim" ? "/schools/\(urn)/claims/new/mentors" : "/schools/\(urn)/mentors")
    }

    func confirmRemoveMentor(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, _) = try Self.school(request)
        let school = try await loadSchool(urn, user)
        let list = try await site.client.mentors(urn, as: Actors.school(user))
        guard let mentor = list.first(where: { $0.trn == request.parameter("trn") }) else { throw PageError.notFound }
        var values = Self.frame(site, user, urn, school, current: "mentors")
        values["title"] = "Are you sure you want to remove \(mentor.name)? - \(school.name)"
        values["mentor"] = ["name": mentor.name, "trn": mentor.trn]
        values["action"] = "/schools/\(urn)/mentors/\(mentor.trn)/remove"
        values["cancel"] = "/schools/\(urn)/mentors"
        values["confirmLabel"] = "Remove mentor"
        return .page("remove-mentor", values)
    }

    func removeMentor(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, _) = try Self.school(request)
        guard let trn = request.parameter("trn"), trn.count == 7, trn.allSatisfy(\.isNumber) else { throw PageError.notFound }
        do {
            _ = try await site.client.claimsIntake(as: Actors.school(user)) { try await $0.removeMentor(path: .init(urn: urn, trn: trn)).noContent }
            try await site.sessions.setFlash(request.session, "The mentor has been removed")
        } catch ServiceCallError.conflict(_, let detail) {
            try await site.sessions.setFlash(request.session, detail, important: true)
        }
        return .redirect("/schools/\(urn)/mentors")
    }

    // MARK: A claim
}

/// The outcome of a call made beside others (`async let`): every call is awaited to its end, so
/// one failing never cancels the others mid-request (URLSession's cancellation is not relied on).
func outcome<T: Sendable>(_ call: @Sendable () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await call()) } catch { return .failure(error) }
}
