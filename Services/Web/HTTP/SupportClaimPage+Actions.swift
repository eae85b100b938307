import AuditSamplingAPI
import ClaimsIntakeAPI
import Foundation
import PaymentsAPI
import ServiceSupport

/// Support's actions on a claim, each a call to the service that takes it with the version of that
/// service's view that the page showed as `If-Match`.
extension SupportClaimPage {
    /// One support action on a claim: which service takes it, and what it is called.
    enum Action {
        case delete, informationSent, paid, reject, approve, schoolResponse, clawback, decision

        var backend: Backend {
            switch self {
            case .delete: return .claimsIntake
            case .informationSent, .paid, .reject: return .payments
            case .approve, .schoolResponse, .clawback, .decision: return .auditSampling
            }
        }

        var done: String {
            switch self {
            case .delete: return "The claim has been deleted"
            case .informationSent: return "The claim is marked as information sent to the payer"
            case .paid: return "The claim is marked as paid"
            case .reject: return "The claim is marked as rejected by the payer"
            case .approve: return "The claim has been approved and is paid"
            case .schoolResponse: return "The school's response has been recorded"
            case .clawback: return "The clawback has been requested: another support user must approve it"
            case .decision: return "The clawback decision has been recorded"
            }
        }
    }

    /// An action's call to the service that takes it, sending back the version of that service's
    /// view that the page showed (`versionField`); nil when the form does not say what to do.
    typealias ActionCall = @Sendable (ServiceClient, AuthenticatedUser, String) async throws -> Void

    static func backendRequest(_ action: Action, _ reference: String, _ form: Form) -> (versionField: String, call: ActionCall)? {
        switch action.backend {
        case .claimsIntake: ("claims_version", intakeCall(reference, form))
        case .payments: ("payments_version", paymentsCall(action, reference, form))
        default: auditCall(action, reference, form).map { ("audit_version", $0) }
        }
    }

    /// Deleting the claim.
    static func intakeCall(_ reference: String, _ form: Form) -> ActionCall {
        let body = form["reason"].map { ClaimsIntakeAPI.Operations.DeleteClaim.Input.Body.json(.init(reason: $0)) }
        return { client, actor, version in
            _ = try await client.claimsIntake(as: actor) {
                try await $0.deleteClaim(path: .init(reference: reference), headers: .init(ifMatch: version), body: body).noContent
            }
        }
    }

    /// The payer's information loop: information sent, paid, or rejected with a reason.
    static func paymentsCall(_ action: Action, _ reference: String, _ form: Form) -> ActionCall {
        let reason = form["reason"] ?? ""
        return { client, actor, version in
            _ = try await client.payments(as: actor) { payments -> PaymentsAPI.Components.Schemas.StepReply in
                switch action {
                case .informationSent:
                    try await payments.recordInformationSent(path: .init(reference: reference), headers: .init(ifMatch: version)).ok.body.json
                case .reject:
                    try await payments.rejectClaim(
                        path: .init(reference: reference),
                        headers: .init(ifMatch: version),
                        body: .json(.init(reason: reason))
                    ).ok.body.json
                default: try await payments.markClaimPaid(path: .init(reference: reference), headers: .init(ifMatch: version)).ok.body.json
                }
            }
        }
    }

    /// The audit's steps: approve, the school's response, a clawback request and its decision.
    static func auditCall(_ action: Action, _ reference: String, _ form: Form) -> ActionCall? {
        typealias Schemas = AuditSamplingAPI.Components.Schemas
        let step: @Sendable (AuditSamplingAPI.Client, String) async throws -> Schemas.StepReply
        switch action {
        case .schoolResponse:
            let mentors = form.all("trn").map { Schemas.SchoolResponseInput.MentorsPayloadPayload(trn: $0, reason: form["reason-\($0)"] ?? "") }
            step = {
                try await $0.recordSchoolResponse(
                    path: .init(reference: reference),
                    headers: .init(ifMatch: $1),
                    body: .json(.init(mentors: mentors))
                ).ok.body.json
            }
        case .clawback:
            let mentors = clawbackLines(form).map {
                Schemas.ClawbackInput.MentorsPayloadPayload(trn: $0.trn, hoursTrained: $0.hoursTrained, notes: $0.notes)
            }
            step = {
                try await $0.proposeClawback(path: .init(reference: reference), headers: .init(ifMatch: $1), body: .json(.init(mentors: mentors))).ok
                    .body.json
            }
        case .decision:
            let decision: Schemas.DecisionInput
            switch form["decision"] {
            case "approve": decision = .init(approved: true)
            case "reject": decision = .init(approved: false, reason: form["reason"] ?? "")
            default: return nil
            }
            step = { try await $0.decideClawback(path: .init(reference: reference), headers: .init(ifMatch: $1), body: .json(decision)).ok.body.json }
        default:
            step = { try await $0.approveClaim(path: .init(reference: reference), headers: .init(ifMatch: $1)).ok.body.json }
        }
        return { client, actor, version in _ = try await client.auditSampling(as: actor) { try await step($0, version) } }
    }
}
