import ClaimsIntakeAPI
import Foundation
import Hummingbird
import ServiceSupport

/// A school's claim pages, its funding by year and its trust's schools.
extension SchoolRoutes {
    func claim(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, _) = try Self.school(request)
        let actor = Actors.school(user)
        let reference = try request.claimReference
        let client = site.client
        async let schoolCall = outcome { try await loadSchool(urn, user) }
        async let claimCall = outcome { try await client.claim(reference, as: actor) }
        async let activityCall = outcome {
            try await client.activity(reference, as: actor)
        }
        let (schoolResult, claimResult, activityResult) = await (schoolCall, claimCall, activityCall)
        let (school, claim, activity) = (try schoolResult.get(), try claimResult.get(), try activityResult.get())
        guard claim.school.urn == urn else { throw PageError.notFound }
        let tag = Presentation.tag(claim.status)
        var values = Self.frame(site, user, urn, school, current: "claims")
        values["title"] = "Claim \(reference) - \(school.name)"
        values["claim"] = [
            "reference": claim.reference, "tag": tag.label, "tagColour": tag.colour, "provider": claim.provider.name,
            "academicYear": Presentation.academicYear(claim.academicYear), "nextStep": claim.nextStep,
            "mentors": claim.mentors.map { mentor -> [String: Any] in
                var row: [String: Any] = ["name": "\(mentor.firstName) \(mentor.lastName)", "hours": Presentation.hours(mentor.hours)]
                if mentor.hoursClawedBack > 0 { row["clawedBack"] = Presentation.hours(mentor.hoursClawedBack) }
                return row
            },
            "totalHours": Presentation.hours(claim.totalHours),
            "rate": claim.ratePence.map(MoneyText.pounds) ?? "", "amount": claim.amountPence.map(MoneyText.pounds) ?? "",
            "clawback": claim.clawbackAmountPence > 0 ? MoneyText.pounds(claim.clawbackAmountPence) : "",
            "submitted": claim.submittedAt.map(Presentation.timestamp) ?? "", "submittedBy": claim.submittedBy ?? "",
            "statusReason": claim.statusReason ?? "", "isDraft": ClaimStatus.draft ~= claim.status,
            "editHref": "/schools/\(urn)/claims/new/edit/\(claim.reference)", "removeHref": "/schools/\(urn)/claims/\(claim.reference)/remove",
        ]
        values["history"] = activity.reversed().map { Self.historyEntry($0, claim: claim) }
        return .page("claim", values)
    }

    /// One line of a claim's history, in plain words.
    static func historyEntry(_ entry: ActivityAPI, claim: ClaimAPI) -> [String: Any] {
        let who = entry.actor.email.flatMap { $0.isEmpty ? nil : $0 }
        var text: String
        switch entry.action {
        case "created": text = "Claim created"
        case "edited": text = "Claim changed"
        case "submitted": text = "Claim submitted"
        case "status_changed":
            text = "Status changed to \(Presentation.tag(entry.to ?? "").label)"
        case "email_sent", "email_failed", "email_delivered":
            // The reason reads "claim_submitted, to office@school.example" (and the error after it).
            let to = entry.reason?.components(separatedBy: ", to ").last.flatMap { $0 == entry.reason ? nil : $0 }
                .map { String($0.prefix { $0 != "," }) }
            switch entry.action {
            case "email_sent": text = "Email sent\(to.map { " to \($0)" } ?? "")"
            case "email_delivered": text = "Email delivered\(to.map { " to \($0)" } ?? "")"
            default: text = "An email to \(to ?? "the school") could not be delivered"
            }
            return ["text": text, "at": Presentation.timestamp(entry.at)]
        case "flagged": text = "Claim flagged for checks before payment"
        default: text = entry.action.replacingOccurrences(of: "_", with: " ").capitalized
        }
        var detail: [String] = []
        if let who { detail.append("by \(who)") } else if let service = entry.actor.service { detail.append("by \(Self.serviceWords(service))") }
        if let reason = entry.reason, !reason.isEmpty { detail.append(reason) }
        return ["text": text, "at": Presentation.timestamp(entry.at), "detail": detail.joined(separator: " – ")]
    }

    static func serviceWords(_ service: String) -> String {
        switch service {
        case "payments": return "the payments service"
        case "audit-sampling": return "the audit service"
        case "notifications": return "the email service"
        default: return "the service"
        }
    }

    func confirmRemoveClaim(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, _) = try Self.school(request)
        let reference = try request.claimReference
        let school = try await loadSchool(urn, user)
        let claim = try await site.client.claim(reference, as: Actors.school(user))
        guard claim.school.urn == urn, ClaimStatus.draft ~= claim.status else { throw PageError.notFound }
        var values = Self.frame(site, user, urn, school, current: "claims")
        values["title"] = "Are you sure you want to remove this claim? - \(school.name)"
        values["reference"] = reference
        values["action"] = "/schools/\(urn)/claims/\(reference)/remove"
        values["cancel"] = "/schools/\(urn)/claims/\(reference)"
        values["confirmLabel"] = "Remove claim"
        return .page("remove-claim", values)
    }

    func removeClaim(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, _) = try Self.school(request)
        let reference = try request.claimReference
        let claim = try await site.client.claim(reference, as: Actors.school(user))
        guard claim.school.urn == urn else { throw PageError.notFound }
        _ = try await site.client.claimsIntake(as: Actors.school(user)) { try await $0.deleteClaim(path: .init(reference: reference)).noContent }
        try await site.sessions.setFlash(request.session, "Claim \(reference) has been removed")
        return .redirect("/schools/\(urn)")
    }

    // MARK: Funding

    func funding(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, _) = try Self.school(request)
        let actor = Actors.school(user)
        let school = try await loadSchool(urn, user)
        let summary = try await site.client.schoolSummary(urn, as: actor)
        let year = school.academicYear ?? academicYear(of: site.now())
        let rates = try await found { try await site.client.rates(year, as: actor) }
        var values = Self.frame(site, user, urn, school, current: "funding")
        values["title"] = "Funding - \(school.name)"
        values["years"] = summary.years.reversed().map { Self.yearRow($0) }
        values["hasYears"] = !summary.years.isEmpty
        values["region"] = Presentation.region(school.region)
        values["academicYear"] = Presentation.academicYear(year)
        if let pence = school.hourlyRatePence { values["hourlyRate"] = MoneyText.pounds(pence) }
        if let rates {
            values["initialHours"] = rates.initialHours
            values["refresherHours"] = rates.refresherHours
            let most = rates.mostAMentorCanEarn[school.region] ?? rates.mostAMentorCanEarn[RateRows.camel(school.region)]
            if let most {
                values["mostInitial"] = MoneyText.pounds(most.initialPence)
                values["mostRefresher"] = MoneyText.pounds(most.refresherPence)
            }
        }
        return .page("funding", values)
    }

    static func yearRow(_ year: YearSummaryAPI) -> [String: Any] {
        let count = year.claimsByStatus.filter { !(ClaimStatus.draft ~= snakeCase($0.key)) }.values.reduce(0, +)
        return [
            "year": Presentation.academicYear(year.academicYear), "claims": count, "claimed": MoneyText.pounds(year.claimedPence),
            "paid": MoneyText.pounds(year.paidPence), "clawedBack": MoneyText.pounds(year.clawedBackPence),
        ]
    }

    // MARK: Trust

    func trust(_ request: PageRequest) async throws -> PageResult {
        let user = try request.signedIn
        guard let uid = request.parameter("uid"), uid.count <= 20 else { throw PageError.notFound }
        let actor = Actors.school(user)
        var trustName: String?
        var rows: [[String: Any]] = []
        var totals = (claimed: Int64(0), paid: Int64(0), clawed: Int64(0), claims: 0)
        for urn in user.schoolURNs {
            guard let school = try await found({ try await site.client.school(urn, as: actor) }),
                school.trust?.uid == uid
            else { continue }
            trustName = school.trust?.name
            let summary = try await site.client.schoolSummary(urn, as: actor)
            let year = school.academicYear ?? academicYear(of: site.now())
            let current = summary.years.first { $0.academicYear == year }
            let claims = current.map { $0.claimsByStatus.filter { !(ClaimStatus.draft ~= snakeCase($0.key)) }.values.reduce(0, +) } ?? 0
            let drafts = current.map { $0.claimsByStatus.filter { ClaimStatus.draft ~= snakeCase($0.key) }.values.reduce(0, +) } ?? 0
            totals.claimed += current?.claimedPence ?? 0
            totals.paid += current?.paidPence ?? 0
            totals.clawed += current?.clawedBackPence ?? 0
            totals.claims += claims
            rows.append([
                "name": school.name, "href": "/schools/\(urn)", "claims": claims, "drafts": drafts,
                "claimed": MoneyText.pounds(current?.claimedPence ?? 0), "paid": MoneyText.pounds(current?.paidPence ?? 0),
                "clawedBack": MoneyText.pounds(current?.clawedBackPence ?? 0),
            ])
        }
        guard let trustName else { throw PageError.notFound }
        return .page(
            "trust",
            [
                "title": trustName, "trustName": trustName, "schools": rows, "academicYear": Presentation.academicYear(academicYear(of: site.now())),
                "totals": [
                    "claims": totals.claims, "claimed": MoneyText.pounds(totals.claimed), "paid": MoneyText.pounds(totals.paid),
                    "clawedBack": MoneyText.pounds(totals.clawed),
                ],
            ]
        )
    }
}
