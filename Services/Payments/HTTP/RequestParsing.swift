import Foundation
import Hummingbird
import ServiceSupport

/// Reading payments' path parameters and bodies: what is malformed is refused here, before any
/// storage is touched.
enum RequestParsing {
    /// The `{id}` of a run.
    static func runID(_ context: ServiceRequestContext) throws(PaymentsError) -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text) else { throw .noSuchRun }
        return id
    }

    /// The `{reference}` of a claim: 8 digits.
    static func claimReference(_ context: ServiceRequestContext) throws(PaymentsError) -> String {
        guard let reference = context.parameters.get("reference"), reference.count == 8, reference.allSatisfy(\.isNumber) else {
            throw .noSuchClaim
        }
        return reference
    }

    /// A new run's body: an optional `claim_window_id`, and the body's bytes for idempotency.
    static func newRun(_ request: Request) async throws -> (window: Int64?, idempotency: IdempotencyRequest) {
        struct Input: Decodable {
            var claimWindowId: Int64?
            enum CodingKeys: String, CodingKey { case claimWindowId = "claim_window_id" }
        }
        let buffer = try await RequestDecoding.collect(request, limit: RequestDecoding.jsonLimit)
        let body = Data(buffer: buffer)
        let input = buffer.readableBytes == 0 ? Input(claimWindowId: nil) : try RequestDecoding.decode(Input.self, from: body)
        return (input.claimWindowId, IdempotencyRequest(request, body: body))
    }

    /// A rejection's reason: required, at most 2,000 characters.
    static func reason(_ request: Request) async throws -> String {
        struct Input: Decodable { var reason: String }
        let reason = try await RequestDecoding.decode(Input.self, from: request).reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw PaymentsError.invalidReason("Enter why the claim is not approved") }
        guard reason.count <= 2_000 else { throw PaymentsError.invalidReason("Enter the reason in 2,000 characters or fewer") }
        return reason
    }

    /// Who is asking, as the database records them.
    static func requester(_ user: AuthenticatedUser) -> PaymentsDatabase.Requester {
        PaymentsDatabase.Requester(id: user.id, email: user.email, name: user.name)
    }
}
