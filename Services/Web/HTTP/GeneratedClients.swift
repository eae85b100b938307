import AuditSamplingAPI
import ClaimsIntakeAPI
import Foundation
import HTTPTypes
import NotificationsAPI
import OpenAPIRuntime
import OpenAPIURLSession
import PaymentsAPI
import ServiceSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// web's clients generated from the services' OpenAPI documents (`Clients/`), calling as the
/// signed-in person with a short-lived token, the session's timeouts, and the services' refusals as
/// ``ServiceCallError``:
/// `try await site.client.payments(as: actor) { try await $0.getPaymentRun(path: .init(id: id)).ok.body.json }`.
/// A path, parameter or body that the document no longer has fails web's build; an answer that no
/// longer matches it fails the call (and the suites), never silently.
extension ServiceClient {
    /// Calls claims-intake as `user`.
    func claimsIntake<T>(as user: AuthenticatedUser, _ call: (ClaimsIntakeAPI.Client) async throws -> T) async throws -> T {
        try await generated(.claimsIntake, as: user) {
            try await call(ClaimsIntakeAPI.Client(serverURL: urls.claimsIntake, transport: $0, middlewares: [$1]))
        }
    }

    /// Calls payments as `user`.
    func payments<T>(as user: AuthenticatedUser, _ call: (PaymentsAPI.Client) async throws -> T) async throws -> T {
        try await generated(.payments, as: user) { try await call(PaymentsAPI.Client(serverURL: urls.payments, transport: $0, middlewares: [$1])) }
    }

    /// Calls audit-sampling as `user`.
    func auditSampling<T>(as user: AuthenticatedUser, _ call: (AuditSamplingAPI.Client) async throws -> T) async throws -> T {
        try await generated(.auditSampling, as: user) {
            try await call(AuditSamplingAPI.Client(serverURL: urls.auditSampling, transport: $0, middlewares: [$1]))
        }
    }

    /// Calls notifications as `user`.
    func notifications<T>(as user: AuthenticatedUser, _ call: (NotificationsAPI.Client) async throws -> T) async throws -> T {
        try await generated(.notifications, as: user) {
            try await call(NotificationsAPI.Client(serverURL: urls.notifications, transport: $0, middlewares: [$1]))
        }
    }

    /// The answer of a generated client's call, with its failures as the ``ServiceCallError`` the
    /// pages handle: a refusal as the service gave it, a service that does not answer as
    /// unavailable, and an answer that does not match the document as a failure.
    private func generated<T>(
        _ backend: Backend,
        as user: AuthenticatedUser,
        _ call: (URLSessionTransport, AsSignedInPerson) async throws -> T
    ) async throws -> T {
        let person = AsSignedInPerson(token: try await signer.sign(user, lifetime: Self.tokenLifetime), backend: backend)
        do {
            return try await call(URLSessionTransport(configuration: .init(session: session)), person)
        } catch let error as ClientError {
            switch error.underlyingError {
            case let refusal as ServiceCallError: throw refusal
            case let failure as URLError: throw ServiceCallError.unavailable("\(backend) did not answer: \(failure.localizedDescription)")
            default:
                throw ServiceCallError.failed(status: error.response?.status.code ?? 0, detail: "\(error.causeDescription): \(error.underlyingError)")
            }
        }
    }
}

/// A generated client's answer as JSON again, keyed by the document's own (snake_case) names and
/// with its times as ISO 8601 text, as the service sent it: how pages read it as their values.
func answerJSON(_ answer: some Encodable) throws -> Data {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    return try encoder.encode(answer)
}

extension JSONValue {
    /// A generated client's answer as page values, for the pages that show what a service says.
    init(_ answer: some Encodable) throws {
        self = try JSONValue.parse(try answerJSON(answer))
    }
}

extension HTTPBody {
    /// A file a service answered with (a CSV), whole: files are at most 32 MiB.
    var file: Data {
        get async throws { try await Data(collecting: self, upTo: 32 << 20) }
    }
}

/// Sends the signed-in person's token, and turns a service's answer outside 2xx into the
/// ``ServiceCallError`` it means (404, 403, 422 with its field errors, 409, 412, 5xx), read from its
/// problem+json.
struct AsSignedInPerson: ClientMiddleware {
    let token: String
    let backend: Backend

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(token)"
        // OpenAPI 3.1.2 says header parameters are sent as written, never percent-encoded; the
        // runtime still encodes them (swift-openapi-generator#857), which would turn If-Match's
        // `"7"` into `%227%22`. Every header web sends is plain text, so each is sent as written.
        for index in request.headerFields.indices where request.headerFields[index].value.contains("%") {
            request.headerFields[index].value = request.headerFields[index].value.removingPercentEncoding ?? request.headerFields[index].value
        }
        let (response, answer) = try await next(request, body, baseURL)
        guard (200..<300).contains(response.status.code) else {
            var data = Data()
            if let answer { data = try await Data(collecting: answer, upTo: 1 << 20) }
            throw ServiceClient.refusal(status: response.status.code, body: data, from: backend)
        }
        return (response, answer)
    }
}
