import Foundation
import Testing

/// Drives the four services of a `ServiceCluster` through HTTP only, as their users would, and
/// reads the emails a real SMTP server received.
public struct Journey: Sendable {
    public let cluster: ServiceCluster
    public let smtp: SMTPTestServer?
    public let support: String
    public let intake: TestHTTP
    public let payments: TestHTTP
    public let audit: TestHTTP
    public let notifications: TestHTTP
    /// The academic year whose window is open today.
    public let year: Int
    /// Today in London, `YYYY-MM-DD`.
    public let today: String

    public init(cluster: ServiceCluster, smtp: SMTPTestServer?) throws {
        self.cluster = cluster
        self.smtp = smtp
        support = try cluster.token(["--role", "support", "--email", "support@education.example", "--sub", "support-user"])
        intake = cluster.http("claims-intake")
        payments = cluster.http("payments")
        audit = cluster.http("audit-sampling")
        notifications = cluster.http("notifications")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/London")!
        let parts = calendar.dateComponents([.year, .month, .day], from: Date())
        year = parts.month! >= 9 ? parts.year! : parts.year! - 1
        today = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    /// Sends JSON.
    public func send(
        _ http: TestHTTP,
        _ method: String,
        _ path: String,
        _ token: String?,
        _ json: [String: Any],
        headers: [String: String] = [:]
    ) async throws -> TestHTTP.Reply {
        try await http.send(method, path, token: token, body: try JSONSerialization.data(withJSONObject: json), headers: headers)
    }

    /// Sends a CSV body.
    public func csv(_ http: TestHTTP, _ path: String, _ token: String, _ text: String) async throws -> TestHTTP.Reply {
        try await http.send("POST", path, token: token, body: Data(text.utf8), contentType: "text/csv")
    }

    /// Sends JSON and expects `status`.
    @discardableResult
    public func expect(
        _ status: Int,
        _ http: TestHTTP,
        _ method: String,
        _ path: String,
        _ token: String,
        _ json: [String: Any],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> TestHTTP.Reply {
        let reply = try await send(http, method, path, token, json)
        #expect(reply.status == status, "\(method) \(path): \(reply.text)", sourceLocation: sourceLocation)
        return reply
    }

    /// Repeats a request until it answers `status` (for a step that waits on messages another
    /// service has yet to apply).
    public func retryUntil(
        _ status: Int,
        _ http: TestHTTP,
        _ method: String,
        _ path: String,
        _ token: String,
        _ json: [String: Any] = [:],
        csv: String? = nil,
        headers: [String: String] = [:],
        timeout: TimeInterval = 30
    ) async throws -> TestHTTP.Reply {
        var last: TestHTTP.Reply?
        do {
            try await Eventually.wait("\(method) \(path) → \(status)", timeout: timeout, interval: .milliseconds(100)) {
                if let csv {
                    last = try await http.send(method, path, token: token, body: Data(csv.utf8), contentType: "text/csv", headers: headers)
                } else {
                    last = try await send(http, method, path, token, json, headers: headers)
                }
                return last?.status == status
            }
        } catch {
            throw Eventually.TimedOut(what: "\(method) \(path) → \(status); last answer \(last?.status ?? 0): \(last?.text ?? "none")")
        }
        return last!
    }

    /// Rates for this year and a window open from today to the end of the academic year.
    public func openWindow() async throws {
        try await expect(
            200,
            intake,
            "PUT",
            "/api/v1/funding-rates/\(year)",
            support,
            [
                "inner_london_pence": 5360, "outer_london_pence": 4825, "fringe_pence": 4510, "rest_of_england_pence": 4380,
            ]
        )
        try await expect(
            201,
            intake,
            "POST",
            "/api/v1/claim-windows",
            support,
            ["academic_year": year, "opens_on": today, "closes_on": "\(year + 1)-08-31"]
        )
    }

    /// Creates and submits a claim with provider 1AB; returns its reference.
    public func submit(_ token: String, urn: Int, mentors: [[String: Any]], sourceLocation: SourceLocation = #_sourceLocation) async throws -> String
    {
        let draft = try await send(intake, "POST", "/api/v1/schools/\(urn)/claims", token, ["provider_code": "1AB", "mentors": mentors])
        guard let reference = draft.json?["reference"] as? String else { throw Eventually.TimedOut(what: "a draft: \(draft.text)") }
        let submitted = try await send(intake, "POST", "/api/v1/claims/\(reference)/submit", token, ["declaration_accepted": true])
        #expect(submitted.status == 200, "\(submitted.text)", sourceLocation: sourceLocation)
        return reference
    }

    /// The claim as claims-intake shows it to support.
    public func claim(_ reference: String) async throws -> [String: Any] {
        try await intake.get("/api/v1/claims/\(reference)", token: support).json ?? [:]
    }

    /// Waits until claims-intake shows the claim in `status`.
    public func statusBecomes(_ reference: String, _ status: String, timeout: TimeInterval = 30) async throws {
        var seen = ""
        do {
            try await Eventually.wait("\(reference) to be \(status)", timeout: timeout, interval: .milliseconds(100)) {
                seen = try await claim(reference)["status"] as? String ?? ""
                return seen == status
            }
        } catch {
            throw Eventually.TimedOut(what: "\(reference) to be \(status) (it is \(seen))")
        }
    }

    /// The ledger's totals.
    public func ledgerTotals() async throws -> [String: Int] {
        try await payments.get("/api/v1/payments/ledger", token: support).json?["totals"] as? [String: Int] ?? [:]
    }

    /// Waits for the one email of `template` to `address` (about a claim reference, when given).
    public func email(
        _ template: String,
        to address: String,
        about reference: String? = nil,
        timeout: TimeInterval = 30
    ) async throws -> SMTPTestServer.Received {
        guard let smtp else { throw Eventually.TimedOut(what: "no SMTP server") }
        var found: [SMTPTestServer.Received] = []
        do {
            try await Eventually.wait("a \(template) email to \(address)", timeout: timeout, interval: .milliseconds(100)) {
                found = smtp.received().filter { email in
                    email.template == template && email.recipients == [address] && (reference.map { email.subject.contains($0) } ?? true)
                }
                return !found.isEmpty
            }
        } catch {
            throw Eventually.TimedOut(what: "a \(template) email to \(address)\(reference.map { " about \($0)" } ?? "")")
        }
        #expect(found.count == 1, "\(found.count) \(template) emails to \(address)")
        return found[0]
    }

    /// The first http(s) link in an email body.
    public static func link(in body: String) -> String? {
        body.split(whereSeparator: { $0 == " " || $0 == "\n" }).first { $0.hasPrefix("http://") || $0.hasPrefix("https://") }.map(String.init)
    }

    /// Follows a download link as a person does (no bearer token): opens the page, then
    /// presses its Download button, which posts the token back and answers the file.
    public func download(_ link: String) async throws -> TestHTTP.Reply {
        let url = URL(string: link)!
        let base = "\(url.scheme!)://\(url.host!):\(url.port!)"
        let path = String(link.dropFirst(base.count))
        let page = try await TestHTTP(base: base).get(path)
        guard page.status == 200 else { return page }
        return try await TestHTTP(base: base).send("POST", path, body: Data(), contentType: "application/x-www-form-urlencoded")
    }
}
