import Foundation
import Hummingbird
import ServiceSupport

/// The payer's emailed links: `GET …/file?token=` shows a Download button and uses nothing up;
/// the button's `POST` gives the file once and uses the link up. No sign-in: the token is the key.
struct PaymentLinkRoutes {
    let database: PaymentsDatabase

    func page(_ request: Request, _ context: ServiceRequestContext, _ kind: RunKind) async throws -> Response {
        let path = request.uri.path
        guard let token = SingleUseLink.token(request, body: nil), let id = try? RequestParsing.runID(context) else {
            return SingleUseLink.page(.unknown, path: path, token: "")
        }
        let outcome = try await database.checkLink(token: token, run: id, kind: kind)
        guard outcome == .valid else { return SingleUseLink.page(refused(outcome, context, run: id), path: path, token: token) }
        return SingleUseLink.page(.valid(fileName: kind.fileName(run: id), description: kind.fileDescription(run: id)), path: path, token: token)
    }

    func download(_ request: Request, _ context: ServiceRequestContext, _ kind: RunKind) async throws -> Response {
        let body = try? await RequestDecoding.collect(request, limit: 4096)
        let path = request.uri.path
        guard let token = SingleUseLink.token(request, body: body), let id = try? RequestParsing.runID(context) else {
            return SingleUseLink.page(.unknown, path: path, token: "")
        }
        let (outcome, data) = try await database.redeemLink(token: token, run: id, kind: kind)
        guard let data else { return SingleUseLink.page(refused(outcome, context, run: id), path: path, token: token) }
        return SingleUseLink.file(data, fileName: kind.fileName(run: id))
    }

    /// The page for a link that cannot be used, logged for the operator (never the token).
    private func refused(_ outcome: LinkTable.Redemption, _ context: ServiceRequestContext, run id: Int64) -> SingleUseLink.State {
        switch outcome {
        case .valid, .unknown:
            context.logger.warning("refused an unknown or altered download link", metadata: ["run": "\(id)"])
            return .unknown
        case .used:
            context.logger.warning("refused a used or replaced download link", metadata: ["run": "\(id)"])
            return .gone
        case .expired:
            context.logger.warning("refused an expired download link", metadata: ["run": "\(id)"])
            return .gone
        }
    }
}
