import Foundation
import Hummingbird
import ServiceSupport

/// `/support/notifications`: the delivery log (filtered, 25 a page), a failed email sent again,
/// and support writing to a school's contacts.
struct SupportNotificationRoutes {
    let site: Site
    static let filters = ["claim_reference", "to", "template", "status"]

    func add(to router: Router<ServiceRequestContext>) {
        site.on(router, .get, "/support/notifications") { try await log($0) }
        site.on(router, .post, "/support/notifications/:id/retry") { try await retry($0) }
        site.on(router, .get, "/support/notifications/new") { try await newMessage($0) }
        site.on(router, .post, "/support/notifications/new") { try await send($0) }
    }

    func log(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        var chosen: [(String, String)] = []
        for name in Self.filters { if let value = request.query(name), value.count <= 320 { chosen.append((name, value)) } }
        let page = request.query("page").flatMap { Int($0) }.map { min(max($0, 1), 10_000) } ?? 1
        let base = SupportClaimRoutes.query(chosen)
        var values: [String: Any] = ["title": "Emails"]
        var errors = PageErrors()
        var entered: [String: String] = [:]
        for (name, value) in chosen { entered[name] = value }
        do {
            let list = try await site.client.json(
                .notifications,
                "/api/v1/notifications?\(SupportClaimRoutes.query(chosen + [("page", "\(page)"), ("per_page", "25")]))",
                as: Actors.support(user)
            )
            values["emails"] = list.items.map { item -> [String: Any] in
                var row = item
                row["failed"] = item["status"] as? String == "failed"
                row["status_text"] =
                    (item["status"] as? String).map { ["queued": "Waiting to send", "sent": "Sent", "failed": "Failed"][$0] ?? $0 } ?? ""
                row["status_tag"] =
                    (item["status"] as? String).map { ["queued": "yellow", "sent": "green", "failed": "red"][$0] ?? "grey" } ?? "grey"
                return row
            }
            values["hasEmails"] = !list.items.isEmpty
            let total = Int(list["total"]?.integer ?? 0)
            values["total"] = total == 1 ? "1 email" : "\(total) emails"
            values.merge(
                Paging(page: page, perPage: 25, total: total).values { "/support/notifications?\(base)\(base.isEmpty ? "" : "&")page=\($0)" }
            ) { $1 }
        } catch ServiceCallError.invalid(let fields, let detail) {
            for field in fields { errors.add(Self.filters.contains(field.field) ? field.field : "to", field.message) }
            if errors.isEmpty { errors.add("to", detail) }
            values["title"] = "Error: Emails"
        }
        values["entered"] = entered
        values["statuses"] = [("", "Any"), ("queued", "Waiting to send"), ("sent", "Sent"), ("failed", "Failed")].map {
            ["value": $0.0, "label": $0.1, "selected": (entered["status"] ?? "") == $0.0]
        }
        values.merge(errors.context) { $1 }
        return .page("support-notifications", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func retry(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        guard let text = request.parameter("id"), text.count <= 12, let id = Int64(text) else { throw PageError.notFound }
        do {
            try await site.client.call(.notifications, "POST", "/api/v1/notifications/\(id)/retry", as: Actors.support(user))
            try await site.sessions.setFlash(request.session, "Email \(id) will be sent again")
        } catch ServiceCallError.conflict(_, let detail) {
            try await site.sessions.setFlash(request.session, detail, important: true)
        }
        return .redirect("/support/notifications?status=failed")
    }

    func newMessage(_ request: PageRequest, errors: PageErrors = PageErrors(), entered: [String: String]? = nil) async throws -> PageResult {
        _ = try request.supportUser
        var fields = entered ?? [:]
        if entered == nil, let urn = request.query("school_urn") { fields["school_urn"] = String(urn.prefix(7)) }
        var values: [String: Any] = [
            "title": errors.isEmpty ? "Write to a school" : "Error: Write to a school", "entered": fields,
            "idempotencyKey": fields["idempotency_key"] ?? Secrets.random(),
        ]
        values.merge(errors.context) { $1 }
        return .page("support-notification-new", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func send(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        let form = request.form
        var entered: [String: String] = [:]
        for key in ["school_urn", "subject", "body", "idempotency_key"] { entered[key] = form.values[key]?.first ?? "" }
        var errors = PageErrors()
        guard let urn = form["school_urn"].flatMap({ Int($0) }), (1...9_999_999).contains(urn) else {
            errors.add("school_urn", "Enter the school's URN, 1 to 7 digits")
            return try await newMessage(request, errors: errors, entered: entered)
        }
        do {
            let answer = try await site.client.call(
                .notifications,
                "POST",
                "/api/v1/notifications/messages",
                as: Actors.support(user),
                body: try JSONSerialization.data(withJSONObject: ["school_urn": urn, "subject": entered["subject"]!, "body": entered["body"]!]),
                contentType: "application/json",
                headers: ["Idempotency-Key": String((form["idempotency_key"] ?? Secrets.random()).prefix(100))]
            )
            let recipients = (try JSONValue.parse(answer.body)["recipients"]?.array ?? []).compactMap(\.string)
            try await site.sessions.setFlash(request.session, "Your message is being sent to \(recipients.joined(separator: ", "))")
            return .redirect("/support/notifications?template=support_message")
        } catch ServiceCallError.invalid(let fields, let detail) {
            for field in fields { errors.add(["subject", "body"].contains(field.field) ? field.field : "school_urn", field.message) }
            if errors.isEmpty { errors.add("school_urn", detail) }
        } catch ServiceCallError.notFound {
            errors.add("school_urn", "No school with URN \(urn) is known to the service")
        }
        return try await newMessage(request, errors: errors, entered: entered)
    }
}
