import Foundation
import Hummingbird
import ServiceSupport

/// The answers of the add-claim journey so far, kept in the session.
struct ClaimJourney: Codable, Equatable {
    var urn: Int
    /// The draft being changed, when editing one.
    var reference: String?
    var providerCode: String?
    var providerName: String?
    var mentorTRNs: [String] = []
    var hours: [String: Int] = [:]
    /// A draft's provider and hours as saved: they count against the allowance already, so
    /// they are added back to what may be claimed while it is changed.
    var savedProviderCode: String?
    var savedHours: [String: Int] = [:]

    /// Hours the draft being changed already holds for `trn` with the provider chosen now.
    func saved(_ trn: String) -> Int { savedProviderCode == providerCode ? savedHours[trn] ?? 0 : 0 }
}

/// Adding a claim, one thing per page: provider, mentors, hours for each mentor (their remaining
/// allowance offered as the maximum), check answers with the amount and the declaration, and a
/// confirmation with the reference and what happens next. Editing a draft goes through the same pages.
struct ClaimJourneyRoutes {
    let site: Site

    func add(to router: Router<ServiceRequestContext>) {
        site.on(router, .get, "/schools/:urn/claims/new") { try await providerPage($0, errors: PageErrors()) }
        site.on(router, .post, "/schools/:urn/claims/new") { try await chooseProvider($0) }
        site.on(router, .get, "/schools/:urn/claims/new/mentors") { try await mentorsPage($0, errors: PageErrors()) }
        site.on(router, .post, "/schools/:urn/claims/new/mentors") { try await chooseMentors($0) }
        site.on(router, .get, "/schools/:urn/claims/new/hours/:trn") { try await hoursPage($0, errors: PageErrors(), entered: nil) }
        site.on(router, .post, "/schools/:urn/claims/new/hours/:trn") { try await enterHours($0) }
        site.on(router, .get, "/schools/:urn/claims/new/check") { try await checkPage($0, errors: PageErrors()) }
        site.on(router, .post, "/schools/:urn/claims/new/check") { try await submit($0) }
        site.on(router, .get, "/schools/:urn/claims/new/confirmation/:reference") { try await confirmation($0) }
        site.on(router, .get, "/schools/:urn/claims/new/edit/:reference") { try await edit($0) }
    }

    // MARK: The journey's state

    func journey(_ request: PageRequest, urn: Int) -> ClaimJourney? {
        guard let text = request.session.journey, let journey = try? JSONDecoder().decode(ClaimJourney.self, from: Data(text.utf8)),
            journey.urn == urn
        else { return nil }
        return journey
    }

    func save(_ journey: ClaimJourney?, _ request: PageRequest) async throws {
        let text = try journey.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try await site.sessions.setJourney(request.session, text)
    }

    func base(_ urn: Int) -> String { "/schools/\(urn)/claims/new" }

    /// The school, checked ready to claim: grant conditions accepted, eligible, a window open.
    func ready(_ request: PageRequest) async throws -> (User, Int, SchoolAPI, PageResult?) {
        let (user, urn, _) = try SchoolRoutes.school(request)
        let school = try await site.client.school(urn, as: Actors.school(user))
        if !school.grantConditionsAccepted { return (user, urn, school, .redirect("/schools/\(urn)/grant-conditions")) }
        return (user, urn, school, nil)
    }

    // MARK: Provider

    func providerPage(_ request: PageRequest, errors: PageErrors) async throws -> PageResult {
        let (user, urn, school, redirect) = try await ready(request)
        if let redirect { return redirect }
        // "Add claim" starts afresh (`?start=1`); otherwise the answers so far are kept, so that a
        // reload or the back link loses nothing.
        var journey = journey(request, urn: urn)
        if journey == nil || request.query("start") != nil {
            journey = ClaimJourney(urn: urn)
            try await save(journey, request)
        }
        let search = request.query("q").map { String($0.prefix(100)) }
        let providers = try await site.client.providers(matching: search, as: Actors.school(user))
        var values = SchoolRoutes.frame(site, user, urn, school, current: "claims")
        values["title"] = (errors.isEmpty ? "" : "Error: ") + "Accredited provider - Add claim - \(school.name)"
        values["search"] = search ?? ""
        values["searched"] = search != nil
        values["providers"] = providers.prefix(50).map {
            ["code": $0.code, "name": $0.name, "ukprn": $0.ukprn, "checked": $0.code == journey?.providerCode]
        }
        values["noProviders"] = providers.isEmpty
        values["action"] = base(urn)
        values["back"] = journey?.reference == nil ? "/schools/\(urn)" : "\(base(urn))/check"
        values.merge(errors.context) { $1 }
        return .page("claim-provider", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func chooseProvider(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, _, redirect) = try await ready(request)
        if let redirect { return redirect }
        var journey = journey(request, urn: urn) ?? ClaimJourney(urn: urn)
        guard let code = request.form["provider"] else {
            var errors = PageErrors()
            errors.add("provider", "Select the accredited provider the mentors trained with")
            return try await providerPage(request, errors: errors)
        }
        let providers = try await site.client.providers(matching: code, as: Actors.school(user))
        guard let provider = providers.first(where: { $0.code == code }) else {
            var errors = PageErrors()
            errors.add("provider", "Select an accredited provider from the list")
            return try await providerPage(request, errors: errors)
        }
        if journey.providerCode != provider.code { journey.hours = [:] }
        journey.providerCode = provider.code
        journey.providerName = provider.name
        try await save(journey, request)
        return .redirect("\(base(urn))/mentors")
    }

    // MARK: Mentors

    struct MentorChoice {
        var mentor: MentorAPI
        var allowance: AllowanceAPI?
    }

    /// The school's mentors (at most 200 are offered).
    func mentors(_ user: User, _ urn: Int) async throws -> [MentorAPI] {
        Array(
            try await site.client.mentors(urn, as: Actors.school(user))
                .prefix(200)
        )
    }

    /// What is left of `mentor`'s allowance with `provider`.
    func allowance(_ user: User, _ urn: Int, _ mentor: MentorAPI, provider: String) async throws -> MentorChoice {
        let allowance = try await found {
            try await site.client.allowance(urn, mentor.trn, provider: provider, as: Actors.school(user))
        }
        return MentorChoice(mentor: mentor, allowance: allowance)
    }

    /// Every mentor with their allowance, for the page that lists them all.
    func choices(_ user: User, _ urn: Int, provider: String) async throws -> [MentorChoice] {
        var out: [MentorChoice] = []
        for mentor in try await mentors(user, urn) { out.append(try await allowance(user, urn, mentor, provider: provider)) }
        return out
    }

    /// One mentor with their allowance (the hours pages need only theirs).
    func choice(_ user: User, _ urn: Int, trn: String, provider: String) async throws -> MentorChoice? {
        guard let mentor = try await mentors(user, urn).first(where: { $0.trn == trn }) else { return nil }
        return try await allowance(user, urn, mentor, provider: provider)
    }

    func mentorsPage(_ request: PageRequest, errors: PageErrors) async throws -> PageResult {
        let (user, urn, school, redirect) = try await ready(request)
        if let redirect { return redirect }
        guard let journey = journey(request, urn: urn), let provider = journey.providerCode else { return .redirect(base(urn)) }
        let choices = try await choices(user, urn, provider: provider)
        var values = SchoolRoutes.frame(site, user, urn, school, current: "claims")
        values["title"] = (errors.isEmpty ? "" : "Error: ") + "Mentors - Add claim - \(school.name)"
        values["providerName"] = journey.providerName ?? provider
        // A mentor with nothing left to claim with this provider cannot be chosen; the page says why.
        values["available"] = choices.filter { maximum($0, journey) > 0 }.map {
            [
                "trn": $0.mentor.trn, "name": $0.mentor.name, "checked": journey.mentorTRNs.contains($0.mentor.trn),
                "hint": "\(Presentation.hours(maximum($0, journey))) left to claim with \(journey.providerName ?? provider)",
            ]
        }
        let exhausted = choices.filter { maximum($0, journey) == 0 }
        values["exhausted"] = exhausted.map { choice -> [String: Any] in
            let total = choice.allowance?.totalHours ?? 0
            return [
                "name": choice.mentor.name,
                "reason":
                    "All \(total) hours of \(choice.mentor.name)'s training with \(journey.providerName ?? provider) have been claimed this year",
            ]
        }
        values["hasExhausted"] = !exhausted.isEmpty
        values["hasAvailable"] = !(values["available"] as! [[String: Any]]).isEmpty
        values["hasMentors"] = !choices.isEmpty
        values["action"] = "\(base(urn))/mentors"
        values["back"] = journey.reference == nil ? base(urn) : "\(base(urn))/check"
        values["addMentorHref"] = "/schools/\(urn)/mentors?return=claim"
        values.merge(errors.context) { $1 }
        return .page("claim-mentors", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func chooseMentors(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, _, redirect) = try await ready(request)
        if let redirect { return redirect }
        guard var journey = journey(request, urn: urn), journey.providerCode != nil else { return .redirect(base(urn)) }
        let chosen = request.form.all("mentors").filter { !$0.isEmpty }
        let known = Set(try await mentors(user, urn).map(\.trn))
        guard !chosen.isEmpty, chosen.count <= 50, chosen.allSatisfy(known.contains) else {
            var errors = PageErrors()
            errors.add("mentors", chosen.count > 50 ? "Select at most 50 mentors for one claim" : "Select the mentors you are claiming for")
            return try await mentorsPage(request, errors: errors)
        }
        journey.mentorTRNs = chosen
        journey.hours = journey.hours.filter { chosen.contains($0.key) }
        try await save(journey, request)
        return .redirect(nextStep(journey))
    }

    /// The next mentor without hours, or the check page.
    func nextStep(_ journey: ClaimJourney) -> String {
        if let trn = journey.mentorTRNs.first(where: { journey.hours[$0] == nil }) { return "\(base(journey.urn))/hours/\(trn)" }
        return "\(base(journey.urn))/check"
    }

    // MARK: Hours

    func hoursPage(_ request: PageRequest, errors: PageErrors, entered: String?) async throws -> PageResult {
        let (user, urn, school, redirect) = try await ready(request)
        if let redirect { return redirect }
        guard let journey = journey(request, urn: urn), let provider = journey.providerCode, let trn = request.parameter("trn"),
            journey.mentorTRNs.contains(trn)
        else { return .redirect(base(urn)) }
        let choice = try await choice(user, urn, trn: trn, provider: provider)
        guard let choice else { throw PageError.notFound }
        let remaining = maximum(choice, journey)
        var values = SchoolRoutes.frame(site, user, urn, school, current: "claims")
        values["title"] = (errors.isEmpty ? "" : "Error: ") + "Hours of training for \(choice.mentor.name) - Add claim - \(school.name)"
        values["mentorName"] = choice.mentor.name
        values["providerName"] = journey.providerName ?? provider
        values["remaining"] = remaining
        values["remainingText"] = Presentation.hours(remaining)
        values["total"] = choice.allowance?.totalHours ?? 0
        values["trainingType"] = choice.allowance?.trainingType == "refresher" ? "refresher" : "initial"
        values["hours"] = entered ?? journey.hours[trn].map(String.init) ?? String(remaining)
        values["action"] = "\(base(urn))/hours/\(trn)"
        let index = journey.mentorTRNs.firstIndex(of: trn) ?? 0
        values["back"] = index == 0 ? "\(base(urn))/mentors" : "\(base(urn))/hours/\(journey.mentorTRNs[index - 1])"
        values.merge(errors.context) { $1 }
        return .page("claim-hours", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    /// The most hours this claim may have for the mentor: what is left, plus, for a draft being
    /// changed, the hours already on it.
    func maximum(_ choice: MentorChoice, _ journey: ClaimJourney) -> Int {
        (choice.allowance?.remainingHours ?? 0) + journey.saved(choice.mentor.trn)
    }

    func enterHours(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, _, redirect) = try await ready(request)
        if let redirect { return redirect }
        guard var journey = journey(request, urn: urn), let provider = journey.providerCode, let trn = request.parameter("trn"),
            journey.mentorTRNs.contains(trn)
        else { return .redirect(base(urn)) }
        let choice = try await choice(user, urn, trn: trn, provider: provider)
        guard let choice else { throw PageError.notFound }
        let remaining = maximum(choice, journey)
        let text = request.form["hours"] ?? ""
        var errors = PageErrors()
        if text.isEmpty {
            errors.add("hours", "Enter the number of hours of training \(choice.mentor.name) did")
        } else if let hours = Int(text), hours >= 1, hours <= remaining {
            journey.hours[trn] = hours
            try await save(journey, request)
            return .redirect(nextStep(journey))
        } else if Int(text) == nil {
            errors.add("hours", "Enter the hours as a whole number, like 6")
        } else {
            errors.add(
                "hours",
                remaining == 0
                    ? "\(choice.mentor.name) has no hours left to claim with \(journey.providerName ?? provider)"
                    : "Enter a number of hours between 1 and \(remaining): \(choice.mentor.name) has \(Presentation.hours(remaining)) left to claim"
            )
        }
        return try await hoursPage(request, errors: errors, entered: text)
    }

    // MARK: Check answers, declaration, submit
}
