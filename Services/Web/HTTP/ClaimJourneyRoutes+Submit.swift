import ClaimsIntakeAPI
import Foundation
import Hummingbird
import ServiceSupport

/// The journey's last steps: check your answers, submit, the confirmation, and editing a draft.
extension ClaimJourneyRoutes {
    func checkPage(_ request: PageRequest, errors: PageErrors) async throws -> PageResult {
        let (user, urn, school, redirect) = try await ready(request)
        if let redirect { return redirect }
        guard let journey = journey(request, urn: urn), journey.providerCode != nil else { return .redirect(base(urn)) }
        if journey.mentorTRNs.isEmpty { return .redirect("\(base(urn))/mentors") }
        if journey.mentorTRNs.contains(where: { journey.hours[$0] == nil }) { return .redirect(nextStep(journey)) }
        let mentors = try await site.client.mentors(urn, as: Actors.school(user))
        let names = Dictionary(mentors.map { ($0.trn, $0.name) }) { a, _ in a }
        let totalHours = journey.mentorTRNs.compactMap { journey.hours[$0] }.reduce(0, +)
        var values = SchoolRoutes.frame(site, user, urn, school, current: "claims")
        values["title"] = (errors.isEmpty ? "" : "Error: ") + "Check your answers - Add claim - \(school.name)"
        values["providerName"] = journey.providerName ?? ""
        values["changeProvider"] = base(urn)
        values["changeMentors"] = "\(base(urn))/mentors"
        values["mentors"] = journey.mentorTRNs.map { trn -> [String: Any] in
            [
                "id": "mentor-\(trn)", "name": names[trn] ?? trn, "hours": Presentation.hours(journey.hours[trn] ?? 0),
                "change": "\(base(urn))/hours/\(trn)",
            ]
        }
        values["totalHours"] = Presentation.hours(totalHours)
        if let rate = school.hourlyRatePence {
            values["rate"] = MoneyText.pounds(rate)
            values["amount"] = MoneyText.pounds(rate * Int64(totalHours))
        }
        values["academicYear"] = Presentation.academicYear(school.academicYear ?? academicYear(of: site.now()))
        values["action"] = "\(base(urn))/check"
        values["editing"] = journey.reference != nil
        values["back"] = journey.mentorTRNs.last.map { "\(base(urn))/hours/\($0)" } ?? "\(base(urn))/mentors"
        values.merge(errors.context) { $1 }
        return .page("claim-check", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func submit(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, _, redirect) = try await ready(request)
        if let redirect { return redirect }
        guard let journey = journey(request, urn: urn), let provider = journey.providerCode, !journey.mentorTRNs.isEmpty else {
            return .redirect(base(urn))
        }
        let actor = Actors.school(user)
        let body = ClaimsIntakeAPI.Components.Schemas.ClaimInput(
            providerCode: provider,
            mentors: journey.mentorTRNs.map { .init(trn: $0, hours: journey.hours[$0] ?? 0) }
        )
        let saveOnly = request.form["action"] == "draft"
        var errors = PageErrors()
        do {
            let reference: String
            if let existing = journey.reference {
                _ = try await site.client.claimsIntake(as: actor) { try await $0.updateClaim(path: .init(reference: existing), body: .json(body)).ok }
                reference = existing
            } else {
                // The same answers sent twice (a double click) make one claim.
                let key = Secrets.hash("\(request.session.idHash)|\(String(decoding: try JSONEncoder().encode(journey), as: UTF8.self))")
                reference = try await site.client.claimsIntake(as: actor) {
                    try await $0.createClaim(path: .init(urn: urn), headers: .init(idempotencyKey: key), body: .json(body)).created.body.json
                        .reference
                }
            }
            if saveOnly {
                try await save(nil, request)
                try await site.sessions.setFlash(request.session, "Claim \(reference) has been saved as a draft")
                return .redirect("/schools/\(urn)/claims/\(reference)")
            }
            _ = try await site.client.claimsIntake(as: actor) {
                try await $0.submitClaim(path: .init(reference: reference), body: .json(.init(declarationAccepted: true))).ok
            }
            try await save(nil, request)
            return .redirect("\(base(urn))/confirmation/\(reference)")
        } catch ServiceCallError.invalid(let fields, let detail) {
            for field in fields { errors.add(fieldID(field.field, journey), field.message) }
            if errors.isEmpty { errors.add("submit", detail) }
        } catch ServiceCallError.conflict(_, let detail) {
            errors.add("submit", detail)
        }
        return try await checkPage(request, errors: errors)
    }

    /// The check page's element for a service's field name (`mentors[1].hours` is that mentor's row).
    func fieldID(_ field: String, _ journey: ClaimJourney) -> String {
        if field.hasPrefix("mentors["), let close = field.firstIndex(of: "]"),
            let index = Int(field[field.index(field.startIndex, offsetBy: 8)..<close]), journey.mentorTRNs.indices.contains(index)
        {
            return "mentor-\(journey.mentorTRNs[index])"
        }
        if field == "provider_code" { return "provider" }
        return "submit"
    }

    func confirmation(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, _) = try SchoolRoutes.school(request)
        let reference = try request.claimReference
        let school = try await site.client.school(urn, as: Actors.school(user))
        let claim = try await site.client.claim(reference, as: Actors.school(user))
        guard claim.school.urn == urn else { throw PageError.notFound }
        var values = SchoolRoutes.frame(site, user, urn, school, current: "claims")
        values["title"] = "Claim submitted - \(school.name)"
        values["reference"] = reference
        values["amount"] = claim.amountPence.map(MoneyText.pounds) ?? ""
        values["nextStep"] = claim.nextStep
        values["email"] = user.email
        values["claimHref"] = "/schools/\(urn)/claims/\(reference)"
        values["homeHref"] = "/schools/\(urn)"
        return .page("claim-confirmation", values)
    }

    func edit(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, _) = try SchoolRoutes.school(request)
        let reference = try request.claimReference
        let claim = try await site.client.claim(reference, as: Actors.school(user))
        guard claim.school.urn == urn, ClaimStatus.draft ~= claim.status else { throw PageError.notFound }
        var journey = ClaimJourney(urn: urn, reference: reference, providerCode: claim.provider.code, providerName: claim.provider.name)
        journey.mentorTRNs = claim.mentors.map(\.trn)
        journey.hours = Dictionary(claim.mentors.map { ($0.trn, $0.hours) }) { a, _ in a }
        journey.savedProviderCode = claim.provider.code
        journey.savedHours = journey.hours
        try await save(journey, request)
        return .redirect("\(base(urn))/check")
    }
}
