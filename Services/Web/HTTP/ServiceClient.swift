import Foundation
import ServiceSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One of the four services web calls.
enum Backend: Sendable {
    case claimsIntake, payments, auditSampling, notifications
}

/// A field error from a service's 422 answer.
struct ServiceFieldError: Decodable, Sendable, Equatable {
    var field: String
    var message: String
}

/// What went wrong calling a service, for the page to show.
enum ServiceCallError: Error, Equatable {
    /// The service does not answer: "Sorry, the service is unavailable" (503).
    case unavailable(String)
    /// 404 from the service: the thing does not exist for this person.
    case notFound
    /// 403: the person may not do this.
    case forbidden(String)
    /// 422: what to fix, by field.
    case invalid([ServiceFieldError], detail: String)
    /// 409 or 412: the request conflicts with what is there now.
    case conflict(status: Int, detail: String)
    /// Anything else (a 5xx, a 401 from a misconfigured key): "Sorry, there is a problem".
    case failed(status: Int, detail: String)
}

/// Calls the services' HTTP APIs with a token of at most five minutes for the signed-in person,
/// through the clients generated from their documents (`GeneratedClients.swift`).
struct ServiceClient: Sendable {
    let urls: ServiceURLs
    let signer: TokenSigner
    let session: URLSession
    /// Tokens live this long (web.md: at most five minutes).
    static let tokenLifetime: TimeInterval = 300

    init(urls: ServiceURLs, signer: TokenSigner) {
        self.urls = urls
        self.signer = signer
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 15
        configuration.httpMaximumConnectionsPerHost = 16
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        self.session = URLSession(configuration: configuration)
    }

    /// A service's non-2xx answer as the error the pages handle.
    static func refusal(status: Int, body data: Data, from backend: Backend) -> ServiceCallError {
        struct ProblemBody: Decodable {
            var detail: String?
            var title: String?
            var errors: [ServiceFieldError]?
            /// The schools import's rows refused (`{row, message}`), read as "row N" errors.
            var rejected: [Rejected]?
            struct Rejected: Decodable {
                var row: Int
                var message: String
            }
        }
        let problem = try? JSONDecoder().decode(ProblemBody.self, from: data)
        let detail = problem?.detail ?? problem?.title ?? "status \(status)"
        switch status {
        case 404: return ServiceCallError.notFound
        case 403: return ServiceCallError.forbidden(detail)
        case 422:
            let rows = (problem?.rejected ?? []).map { ServiceFieldError(field: "row \($0.row)", message: $0.message) }
            return ServiceCallError.invalid(problem?.errors ?? rows, detail: detail)
        case 409, 412: return ServiceCallError.conflict(status: status, detail: detail)
        case 502, 503, 504: return ServiceCallError.unavailable("\(backend) answered \(status)")
        default: return ServiceCallError.failed(status: status, detail: detail)
        }
    }
}

/// The answer, or nil when the service says there is no such thing (404); a service that does not
/// answer, or fails, is still an error, never "nothing there".
func found<T>(_ call: () async throws -> T) async throws -> T? {
    do { return try await call() } catch ServiceCallError.notFound { return nil }
}

/// Percent-encodes a query value.
func queryValue(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
}
