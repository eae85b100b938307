import Crypto
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A GOV.UK Notify API key, `name-serviceid-secret`: the service id (the issuer of every token)
/// and the secret that signs them are its last two UUIDs; the name before them may hold hyphens.
struct NotifyAPIKey: Sendable, Equatable {
    let serviceID: String
    let secret: String

    /// Parses a key; the error says what is wrong with it without repeating it.
    init(_ text: String) throws(NotifyKeyError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        // Two UUIDs of 36 characters, each after a hyphen: at least 74 characters in all.
        guard trimmed.utf8.count >= 74 else { throw .tooShort }
        let secret = String(trimmed.suffix(36))
        let service = String(trimmed.dropLast(37).suffix(36))
        guard UUID(uuidString: secret) != nil, UUID(uuidString: service) != nil, trimmed.dropLast(36).hasSuffix("-") else {
            throw .notTwoUUIDs
        }
        self.serviceID = service.lowercased()
        self.secret = secret.lowercased()
    }

    /// The bearer token for a request made at `now`: a JWT signed with HS256 over `iss` (the
    /// service id) and `iat` (seconds), which Notify accepts for 30 seconds.
    func token(at now: Date) -> String {
        let header = Self.base64URL(Data(#"{"typ":"JWT","alg":"HS256"}"#.utf8))
        let claims = Self.base64URL(Data(#"{"iss":"\#(serviceID)","iat":\#(Int64(now.timeIntervalSince1970))}"#.utf8))
        let signing = "\(header).\(claims)"
        let signature = HMAC<SHA256>.authenticationCode(for: Data(signing.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "\(signing).\(Self.base64URL(Data(signature)))"
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

extension NotifyAPIKey: CustomStringConvertible {
    /// The service id only: the secret is never printed or logged.
    var description: String { "Notify API key for service \(serviceID)" }
}

/// What is wrong with `NOTIFY_API_KEY` (never repeating it: it is a secret).
enum NotifyKeyError: Error, CustomStringConvertible {
    case tooShort
    case notTwoUUIDs

    var description: String {
        switch self {
        case .tooShort: "is too short to be a Notify API key: copy the whole key, name-serviceid-secret, from Notify's API integration page"
        case .notTwoUUIDs: "does not end in a service id and a secret (two UUIDs separated by a hyphen): copy the whole key from Notify"
        }
    }
}

/// Notify's answer to a request it did not take, as its API documents
/// (`{"status_code": 400, "errors": [{"error": "BadRequestError", "message": "…"}]}`), or no
/// answer at all.
enum NotifyError: MailTransportError, CustomStringConvertible {
    /// Notify answered with an error status and its messages.
    case refused(status: Int, messages: [String])
    /// No answer: refused connection, reset, or no reply within the timeout. Notify may or may
    /// not have taken the email, so the next attempt first asks for it by reference.
    case noAnswer(String)
    /// An answer that is not what the API documents.
    case unexpected(String)

    /// 400 (bad request: an address or template Notify will never send to) and 403 (the key or
    /// its token refused) never succeed on a retry; 429 (rate limit), 5xx and no answer may.
    var isPermanent: Bool {
        switch self {
        case .refused(let status, _): status == 400 || status == 403
        case .noAnswer, .unexpected: false
        }
    }

    /// No answer came: Notify may have taken the email.
    var answerLost: Bool {
        if case .noAnswer = self { return true }
        return false
    }

    var description: String {
        switch self {
        case .refused(let status, let messages):
            "Notify answered \(status): \(messages.isEmpty ? "no message" : messages.joined(separator: "; "))"
        case .noAnswer(let reason): "Notify did not answer: \(reason)"
        case .unexpected(let reason): "Notify's answer was not as documented: \(reason)"
        }
    }
}

/// A notification as Notify reports it: its id, and its status (`created`, `sending`,
/// `delivered`, `permanent-failure`, `temporary-failure`, `technical-failure`).
struct NotifyNotification: Sendable, Equatable, Decodable {
    var id: String
    var reference: String?
    var status: String
    var completedAt: String?

    enum CodingKeys: String, CodingKey {
        case id, reference, status
        case completedAt = "completed_at"
    }
}

/// The few calls of GOV.UK Notify's REST API (v2) the service makes, each with a fresh token:
/// send an email, look a notification up by id, and find one by the reference it was sent with.
final class NotifyClient: Sendable {
    struct Settings: Sendable {
        var baseURL: String
        var key: NotifyAPIKey
        /// How long one request may take before Notify counts as not answering.
        var timeout: TimeInterval = 10
        /// Requests in any 60 seconds: under Notify's documented 3,000 a minute, with room to spare.
        var requestsPerMinute = 2700
    }

    let settings: Settings
    private let session: URLSession
    private let now: @Sendable () -> Date
    private let limit: RollingLimit

    init(settings: Settings, now: @escaping @Sendable () -> Date = Date.init) {
        self.settings = settings
        self.now = now
        limit = RollingLimit(limit: settings.requestsPerMinute)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = settings.timeout
        configuration.timeoutIntervalForResource = settings.timeout
        configuration.httpMaximumConnectionsPerHost = 4
        session = URLSession(configuration: configuration)
    }

    /// `POST /v2/notifications/email`: the new notification's id.
    func sendEmail(
        to address: String,
        templateID: String,
        personalisation: [String: String],
        reference: String
    ) async throws(NotifyError)
        -> String
    {
        struct Body: Encodable {
            var email_address: String
            var template_id: String
            var personalisation: [String: String]
            var reference: String
        }
        struct Created: Decodable { var id: String }
        let body = Body(email_address: address, template_id: templateID, personalisation: personalisation, reference: reference)
        let data: Data
        do {
            data = try JSONEncoder().encode(body)
        } catch {
            throw .unexpected("the email could not be written as JSON")
        }
        let (status, answer) = try await request("POST", "/v2/notifications/email", body: data)
        guard status == 201 else { throw Self.refusal(status, answer) }
        guard let created = try? JSONDecoder().decode(Created.self, from: answer), !created.id.isEmpty else {
            throw .unexpected("201 without a notification id")
        }
        return created.id
    }

    /// `GET /v2/notifications/{id}`: the notification and its status.
    func notification(id: String) async throws(NotifyError) -> NotifyNotification {
        guard id.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { throw .unexpected("a notification id that is not a UUID") }
        let (status, answer) = try await request("GET", "/v2/notifications/\(id)", body: nil)
        guard status == 200 else { throw Self.refusal(status, answer) }
        guard let notification = try? JSONDecoder().decode(NotifyNotification.self, from: answer) else {
            throw .unexpected("200 without a notification")
        }
        return notification
    }

    /// `GET /v2/notifications?reference=…&template_type=email`: the emails sent with
    /// `reference`, newest first.
    func notifications(reference: String) async throws(NotifyError) -> [NotifyNotification] {
        struct List: Decodable { var notifications: [NotifyNotification] }
        var components = URLComponents()
        components.queryItems = [URLQueryItem(name: "reference", value: reference), URLQueryItem(name: "template_type", value: "email")]
        let (status, answer) = try await request("GET", "/v2/notifications?\(components.percentEncodedQuery ?? "")", body: nil)
        guard status == 200 else { throw Self.refusal(status, answer) }
        guard let list = try? JSONDecoder().decode(List.self, from: answer) else { throw .unexpected("200 without a list of notifications") }
        return list.notifications
    }

    private func request(_ method: String, _ path: String, body: Data?) async throws(NotifyError) -> (Int, Data) {
        let base = settings.baseURL.hasSuffix("/") ? String(settings.baseURL.dropLast()) : settings.baseURL
        guard let url = URL(string: base + path) else { throw .unexpected("NOTIFY_BASE_URL makes no address for \(path)") }
        do {
            try await limit.take()
        } catch {
            throw .noAnswer("stopped before the request was made")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = settings.timeout
        request.setValue("Bearer \(settings.key.token(at: now()))", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("mentor-claims-notifications", forHTTPHeaderField: "User-Agent")
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        do {
            let (data, response) = try await session.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
        } catch {
            let timedOut = (error as? URLError)?.code == .timedOut
            throw .noAnswer(timedOut ? "no answer within \(Int(settings.timeout)) s" : "could not be reached")
        }
    }

    /// The error for a status Notify should not have answered, with its documented messages.
    static func refusal(_ status: Int, _ data: Data) -> NotifyError {
        struct Errors: Decodable {
            struct Item: Decodable {
                var error: String?
                var message: String?
            }
            var errors: [Item]
        }
        let items = (try? JSONDecoder().decode(Errors.self, from: data))?.errors ?? []
        let messages = items.compactMap { item -> String? in
            let text = [item.error, item.message].compactMap { $0 }.joined(separator: ": ")
            return text.isEmpty ? nil : String(text.prefix(300))
        }
        return .refused(status: status, messages: messages)
    }

    /// Ends the session's connections.
    func close() {
        session.finishTasksAndInvalidate()
    }
}

/// At most `limit` requests in any `window`: Notify's rate limit (3,000 a minute, on a rolling
/// basis) covers every request a key makes, sends and status checks alike.
actor RollingLimit {
    private let limit: Int
    private let window: Duration
    private var times: [ContinuousClock.Instant] = []
    private var start = 0

    init(limit: Int, window: Duration = .seconds(60)) {
        self.limit = max(1, limit)
        self.window = window
    }

    /// Waits until one more request fits, and counts it.
    func take() async throws {
        let clock = ContinuousClock()
        while true {
            let now = clock.now
            while start < times.count, times[start] <= now - window { start += 1 }
            if start > 4096 {
                times.removeFirst(start)
                start = 0
            }
            if times.count - start < limit {
                times.append(now)
                return
            }
            try await Task.sleep(until: times[start] + window, clock: clock)
        }
    }
}
