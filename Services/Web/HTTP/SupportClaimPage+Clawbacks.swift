import Foundation
import Hummingbird
import ServiceSupport

/// The claim page's conflict answer and the clawback request's form and check page.
extension SupportClaimPage {
    /// "This claim has been changed by someone else": what it is now and what happened since the
    /// page was loaded; nothing was done.
    func changed(_ request: PageRequest, _ reference: String, _ user: User, action: Action, detail: String?) async throws -> PageResult {
        guard let views = try await found({ try await load(reference, user) }) else {
            return .page(
                "support-claim-changed",
                [
                    "title": "This claim has been changed by someone else", "reference": reference, "deleted": true,
                    "detail": "Someone has deleted the claim since you opened it.",
                ],
                status: .conflict
            )
        }
        let seen = request.form["seen"].flatMap { Int($0) } ?? 0
        let since = views.activity.count > seen ? Array(views.activity[min(seen, views.activity.count)...]) : []
        // Where the claim stands for the service that refused the action.
        let now: String?
        switch action.backend {
        case .payments: now = views.payments?["status"]?.string
        case .auditSampling: now = views.audit?["status"]?.string
        default: now = nil
        }
        let tag = Presentation.tag(now ?? views.claim.status)
        return .page(
            "support-claim-changed",
            [
                "title": "This claim has been changed by someone else", "reference": reference, "tag": tag.label, "tagColour": tag.colour,
                "changes": since.reversed().map { SchoolRoutes.historyEntry($0, claim: views.claim) }, "hasChanges": !since.isEmpty,
                "detail": detail ?? "",
            ],
            status: .conflict
        )
    }

    // MARK: Requesting a clawback

    struct ClawbackLine {
        var trn: String
        var hoursTrained: Int
        var notes: String
    }

    /// The form's lines; an hours box that is not a whole number is the service's own message.
    static func clawbackLines(_ form: Form) -> [ClawbackLine] {
        form.all("trn").map { trn in
            ClawbackLine(trn: trn, hoursTrained: form["hours-\(trn)"].flatMap { Int($0) } ?? -1, notes: form["notes-\(trn)"] ?? "")
        }
    }

    func clawbackForm(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        let reference = try request.claimReference
        let views = try await load(reference, user)
        var values = values(reference, user, views)
        guard values["canClawback"] as? Bool == true else { return .redirect("/support/claims/\(reference)") }
        values["title"] = "Request a clawback - claim \(reference)"
        return .page("support-clawback", values)
    }

    /// The check page: the amount that would be clawed back, before anything is asked of audit.
    func clawbackCheck(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        let reference = try request.claimReference
        let views = try await load(reference, user)
        var values = values(reference, user, views, entered: entered(request.form))
        guard values["canClawback"] as? Bool == true else { return try await changed(request, reference, user, action: .clawback, detail: nil) }
        // The check page carries the versions the form was made with.
        values["seen"] = request.form["seen"] ?? "0"
        values["versions"] = [
            "claims": request.form["claims_version"] ?? "", "payments": request.form["payments_version"] ?? "",
            "audit": request.form["audit_version"] ?? "",
        ]
        var errors = PageErrors()
        let lines = Self.clawbackLines(request.form)
        let rejected = values["rejectedMentors"] as? [[String: Any]] ?? []
        var rows: [[String: Any]] = []
        var hours = 0
        for mentor in rejected {
            let trn = mentor["trn"] as? String ?? ""
            let claimed = mentor["hours"] as? Int ?? 0
            guard let line = lines.first(where: { $0.trn == trn }), (0...claimed).contains(line.hoursTrained) else {
                errors.add("hours-\(trn)", "Enter the hours \(mentor["name"] as? String ?? trn) trained, a whole number from 0 to \(claimed)")
                continue
            }
            hours += claimed - line.hoursTrained
            rows.append([
                "trn": trn, "name": mentor["name"] ?? trn, "claimed": Presentation.hours(claimed), "trained": Presentation.hours(line.hoursTrained),
                "hoursTrained": line.hoursTrained, "clawedBack": Presentation.hours(claimed - line.hoursTrained), "notes": line.notes,
            ])
        }
        guard errors.isEmpty else {
            var values = self.values(reference, user, views, errors: errors, entered: entered(request.form))
            values["title"] = "Error: Request a clawback - claim \(reference)"
            return .page("support-clawback", values, status: .unprocessableContent)
        }
        values["title"] = "Check the clawback - claim \(reference)"
        values["lines"] = rows
        values["clawbackHours"] = Presentation.hours(hours)
        values["clawbackAmount"] = MoneyText.pounds((views.claim.ratePence ?? 0) * Int64(hours))
        return .page("support-clawback-check", values)
    }
}
