import Foundation
import Hummingbird
import ServiceSupport

/// The providers' emailed links: `GET …/file?token=` shows a Download button and uses nothing up;
/// the button's `POST` gives the file once and uses the link up. No sign-in: the token is the key.
struct AuditLinkRoutes {
    let database: AuditDatabase

    func page(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let path = request.uri.path
        guard let token = SingleUseLink.token(request, body: nil), let id = try? RequestParsing.requestID(context) else {
            return SingleUseLink.page(.unknown, path: path, token: "")
        }
        let (outcome, due) = try await database.checkLink(token: token, request: id)
        guard outcome == .valid else { return SingleUseLink.page(refused(outcome, context, request: id), path: path, token: token) }
        let description = """
            The sampled claims of sampling request \(id), one row per mentor. Fill in claim_accepted (yes or no) for every mentor, and a \
            rejection_reason for each one you do not accept, then upload the file in the service by \(due.map { LondonDates.long($0) } ?? "the due date").
            """
        return SingleUseLink.page(.valid(fileName: "sampling-request-\(id).csv", description: description), path: path, token: token)
    }

    func download(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        let body = try? await RequestDecoding.collect(request, limit: 4096)
        let path = request.uri.path
        guard let token = SingleUseLink.token(request, body: body), let id = try? RequestParsing.requestID(context) else {
            return SingleUseLink.page(.unknown, path: path, token: "")
        }
        let (outcome, data) = try await database.redeemLink(token: token, request: id)
        guard let data else { return SingleUseLink.page(refused(outcome, context, request: id), path: path, token: token) }
        return SingleUseLink.file(data, fileName: "sampling-request-\(id).csv")
    }

    /// The page for a link that cannot be used, logged for the operator (never the token).
    private func refused(_ outcome: LinkTable.Redemption, _ context: ServiceRequestContext, request id: Int64) -> SingleUseLink.State {
        switch outcome {
        case .valid, .unknown:
            context.logger.warning("refused an unknown or altered provider link", metadata: ["request": "\(id)"])
            return .unknown
        case .used, .expired:
            context.logger.warning("refused a used, replaced or expired provider link", metadata: ["request": "\(id)"])
            return .gone
        }
    }
}
