import Foundation
import Hummingbird
import ServiceSupport

/// `/support/claims/{reference}`: everything the three services know of one claim, its history
/// in plain words, and only the actions its status allows. Each action sends back, as `If-Match`,
/// the version of the acting service's view that the page showed: a stale one is the "changed by
/// someone else" page, and nothing is done.
struct SupportClaimPage {
    let site: Site

    func add(to router: Router<ServiceRequestContext>) {
        site.on(router, .get, "/support/claims/:reference") { try await show($0) }
        site.on(router, .post, "/support/claims/:reference/delete") { try await act($0, .delete) }
        site.on(router, .post, "/support/claims/:reference/information-sent") { try await act($0, .informationSent) }
        site.on(router, .post, "/support/claims/:reference/paid") { try await act($0, .paid) }
        site.on(router, .post, "/support/claims/:reference/reject") { try await act($0, .reject) }
        site.on(router, .post, "/support/claims/:reference/approve") { try await act($0, .approve) }
        site.on(router, .post, "/support/claims/:reference/school-response") { try await act($0, .schoolResponse) }
        site.on(router, .get, "/support/claims/:reference/clawback") { try await clawbackForm($0) }
        site.on(router, .post, "/support/claims/:reference/clawback/check") { try await clawbackCheck($0) }
        site.on(router, .post, "/support/claims/:reference/clawback") { try await act($0, .clawback) }
        site.on(router, .post, "/support/claims/:reference/clawback/decision") { try await act($0, .decision) }
    }

    /// The three services' views of a claim, as the page shows them.
    struct Views {
        var claim: ClaimAPI
        var claimVersion: String
        var activity: [ActivityAPI]
        var payments: JSONValue?
        var paymentsVersion: String?
        var audit: JSONValue?
        var auditVersion: String?
    }

    func load(_ reference: String, _ user: User) async throws -> Views {
        let actor = Actors.support(user)
        let client = site.client
        async let claimCall = outcome { try await client.claimsIntake(as: actor) { try await $0.getClaim(path: .init(reference: reference)).ok } }
        async let activityCall = outcome { try await client.activity(reference, as: actor) }
        async let paymentsCall = outcome {
            try await found { try await client.payments(as: actor) { try await $0.getClaimPayment(path: .init(reference: reference)).ok } }
        }
        async let auditCall = outcome {
            try await found { try await client.auditSampling(as: actor) { try await $0.getSampledClaim(path: .init(reference: reference)).ok } }
        }
        let (claimResult, activityResult, paymentsResult, auditResult) = await (claimCall, activityCall, paymentsCall, auditCall)
        let claim = try claimResult.get()
        let payments = try paymentsResult.get()
        let audit = try auditResult.get()
        return Views(
            claim: try ClaimAPI(reading: try claim.body.json),
            claimVersion: claim.headers.eTag ?? "",
            activity: try activityResult.get(),
            payments: try payments.map { try JSONValue(try $0.body.json) },
            paymentsVersion: payments?.headers.eTag,
            audit: try audit.map { try JSONValue(try $0.body.json) },
            auditVersion: audit?.headers.eTag
        )
    }

    func show(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        let reference = try request.claimReference
        return .page("support-claim", values(reference, user, try await load(reference, user)))
    }

    /// The page's values; `errors` (from a refused action) are shown beside their fields.
    func values(
        _ reference: String,
        _ user: User,
        _ views: Views,
        errors: PageErrors = PageErrors(),
        entered: [String: String] = [:]
    ) -> [String: Any] {
        let claim = views.claim
        var values: [String: Any] = ["title": "\(errors.isEmpty ? "" : "Error: ")Claim \(reference)", "reference": reference]
        values["claim"] = Self.claimValues(claim)
        values["history"] = views.activity.reversed().map { SchoolRoutes.historyEntry($0, claim: claim) }
        values["seen"] = views.activity.count
        values["versions"] = ["claims": views.claimVersion, "payments": views.paymentsVersion ?? "", "audit": views.auditVersion ?? ""]
        if let payments = views.payments { values["payments"] = payments.values }
        var rejectedMentors: [[String: Any]] = []
        if let audit = views.audit {
            var auditValues = audit.values
            let samples = audit["samples"]?.array ?? []
            auditValues["hasSamples"] = !samples.isEmpty
            values["audit"] = auditValues
            // The mentors the provider did not accept in the latest audit: the school's response
            // and the clawback name exactly these.
            if let latest = samples.last {
                for verdict in latest["verdicts"]?.array ?? [] where verdict["accepted"]?.bool == false {
                    let trn = verdict["trn"]?.string ?? ""
                    rejectedMentors.append([
                        "trn": trn, "name": verdict["name"]?.string ?? trn, "reason": verdict["reason"]?.string ?? "",
                        "hours": Int(verdict["hours"]?.integer ?? 0), "reasonEntered": entered["reason-\(trn)"] ?? "",
                        "reasonError": errors.message(for: "reason-\(trn)") ?? "", "hoursError": errors.message(for: "hours-\(trn)") ?? "",
                        "hoursEntered": entered["hours-\(trn)"] ?? "", "notesEntered": entered["notes-\(trn)"] ?? "",
                    ])
                }
            }
            if let clawback = audit["clawback"], clawback["state"]?.string == "pending" {
                let mine = clawback["requested_by_email"]?.string?.lowercased() == user.email.lowercased()
                values["ownClawback"] = mine
            }
        }
        values["rejectedMentors"] = rejectedMentors
        values.merge(Self.actions(claim.status, views, rejectedMentors: rejectedMentors)) { $1 }
        values["entered"] = entered
        values.merge(errors.context) { $1 }
        return values
    }

    /// The claim as claims-intake shows it, in plain words.
    static func claimValues(_ claim: ClaimAPI) -> [String: Any] {
        let tag = Presentation.tag(claim.status)
        return [
            "tag": tag.label, "tagColour": tag.colour, "school": claim.school.name, "urn": claim.school.urn,
            "region": Presentation.region(claim.school.region), "provider": "\(claim.provider.name) (\(claim.provider.code))",
            "academicYear": Presentation.academicYear(claim.academicYear), "nextStep": claim.nextStep,
            "mentors": claim.mentors.map { mentor -> [String: Any] in
                var row: [String: Any] = [
                    "name": "\(mentor.firstName) \(mentor.lastName)", "trn": mentor.trn, "hours": Presentation.hours(mentor.hours),
                ]
                if mentor.hoursClawedBack > 0 { row["clawedBack"] = Presentation.hours(mentor.hoursClawedBack) }
                return row
            },
            "totalHours": Presentation.hours(claim.totalHours), "rate": claim.ratePence.map(MoneyText.pounds) ?? "",
            "amount": claim.amountPence.map(MoneyText.pounds) ?? "",
            "clawback": claim.clawbackAmountPence > 0 ? MoneyText.pounds(claim.clawbackAmountPence) : "",
            "submitted": claim.submittedAt.map(Presentation.timestamp) ?? "", "submittedBy": claim.submittedBy ?? "",
            "created": Presentation.timestamp(claim.createdAt), "createdBy": claim.createdBy, "statusReason": claim.statusReason ?? "",
        ]
    }

    /// Only what the status allows, as the service that would act sees it: payments and audit
    /// hear of each other's changes over the bus, so each decides its own actions.
    static func actions(_ status: String, _ views: Views, rejectedMentors: [[String: Any]]) -> [String: Any] {
        let actions = SupportActions(
            intake: status,
            paying: views.payments?["status"]?.string,
            auditing: views.audit?["status"]?.string,
            hasRejectedMentors: !rejectedMentors.isEmpty
        )
        var values: [String: Any] = [
            "canDelete": actions.delete, "canInformationSent": actions.informationSent, "canPaid": actions.paid,
            "canReject": actions.reject, "canApprove": actions.approve, "canSchoolResponse": actions.schoolResponse,
            "canClawback": actions.clawback, "canDecide": actions.decide,
        ]
        values["hasActions"] = actions.any
        return values
    }

    func act(_ request: PageRequest, _ action: Action) async throws -> PageResult {
        let user = try request.supportUser
        let reference = try request.claimReference
        let form = request.form
        guard let (versionField, call) = Self.backendRequest(action, reference, form) else {
            var errors = PageErrors()
            errors.add("decision", "Select whether to approve or reject the clawback")
            return .page(
                "support-claim",
                values(reference, user, try await load(reference, user), errors: errors, entered: entered(form)),
                status: .unprocessableContent
            )
        }
        guard let version = form[versionField] else {
            throw PageError.badRequest("The form is missing the claim's version. Go back, refresh the page and try again.")
        }
        do {
            try await call(site.client, Actors.support(user), version)
        } catch ServiceCallError.conflict(let status, let detail) {
            return try await changed(request, reference, user, action: action, detail: status == 412 ? nil : detail)
        } catch ServiceCallError.invalid(let fields, let detail) {
            var errors = PageErrors()
            for field in fields { errors.add(Self.fieldID(field.field, action: action, form: form), field.message) }
            if errors.isEmpty { errors.add(action == .reject || action == .decision ? "reason" : "actions", detail) }
            let views = try await load(reference, user)
            return .page(
                "support-claim",
                values(reference, user, views, errors: errors, entered: entered(form)),
                status: .unprocessableContent
            )
        } catch ServiceCallError.forbidden(let detail) where action == .decision {
            return .page(
                "support-clawback-own",
                ["title": "You cannot approve or reject your own clawback request", "reference": reference, "detail": detail],
                status: .forbidden
            )
        }
        try await site.sessions.setFlash(request.session, action.done)
        return .redirect(action == .delete ? "/support/claims" : "/support/claims/\(reference)")
    }

    /// The backend call an action makes: the version field its If-Match comes from, the method,
    /// path and JSON body; nil when a clawback decision names neither approve nor reject.
    func entered(_ form: Form) -> [String: String] {
        var out: [String: String] = [:]
        for (name, values) in form.values where name != "_token" { out[name] = values.first ?? "" }
        return out
    }

    /// The page's field for a service's field name: `mentors[1].reason` is the second mentor's box.
    static func fieldID(_ field: String, action: Action, form: Form) -> String {
        if field.hasPrefix("mentors["), let close = field.firstIndex(of: "]"),
            let index = Int(field[field.index(field.startIndex, offsetBy: 8)..<close])
        {
            let trns = form.all("trn")
            if index < trns.count {
                return field.hasSuffix(".hours_trained")
                    ? "hours-\(trns[index])" : field.hasSuffix(".notes") ? "notes-\(trns[index])" : "reason-\(trns[index])"
            }
        }
        switch field {
        case "reason": return "reason"
        case "mentors": return action == .clawback ? "hours-\(form.all("trn").first ?? "")" : "actions"
        default: return "actions"
        }
    }
}
