import Foundation
import Hummingbird
import NotificationsAPI
import ServiceSupport

/// `/support/notifications`: the delivery log (filtered, 25 a page), a failed email sent again,
/// and support writing to a school's contacts.
struct SupportNotificationRoutes {
    let site: Site
    static let filters = ["claim_reference", "to", "template", "status", "delivery_status"]
    /// What GOV.UK Notify reported, as support reads it, with the tag colour.
    static let deliveryWords: [String: (String, String)] = [
        "created": ("Sending", "blue"), "sending": ("Sending", "blue"), "pending": ("Sending", "blue"), "delivered": ("Delivered", "green"),
        "permanent-failure": ("Not delivered", "red"), "temporary-failure": ("Not delivered", "red"),
        "technical-failure": ("Sending again", "yellow"), "unknown": ("Sent", "grey"),
    ]

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
            let status = try entered["status"].map { text in
                guard let status = NotificationsAPI.Operations.ListEmails.Input.Query.StatusPayload(rawValue: text) else {
                    throw ServiceCallError.invalid([ServiceFieldError(field: "status", message: "Use queued, sent or failed.")], detail: "")
                }
                return status
            }
            let delivery = try entered["delivery_status"].map { text in
                guard let status = NotificationsAPI.Operations.ListEmails.Input.Query.DeliveryStatusPayload(rawValue: text) else {
                    throw ServiceCallError.invalid(
                        [ServiceFieldError(field: "delivery_status", message: "Choose a delivery status from the list.")],
                        detail: ""
                    )
                }
                return status
            }
            let query = NotificationsAPI.Operations.ListEmails.Input.Query(
                claimReference: entered["claim_reference"],
                to: entered["to"],
                template: entered["template"],
                status: status,
                deliveryStatus: delivery,
                page: page,
                perPage: 25
            )
            let list = try await site.client.notifications(as: Actors.support(user)) { try await $0.listEmails(query: query).ok.body.json }
            values["emails"] = list.items.map(Self.row)
            values["hasEmails"] = !list.items.isEmpty
            values["total"] = list.total == 1 ? "1 email" : "\(list.total) emails"
            values.merge(
                Paging(page: page, perPage: 25, total: list.total).values {
                    "/support/notifications?\(base)\(base.isEmpty ? "" : "&")page=\($0)"
                }
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
        values["deliveries"] = [
            ("", "Any"), ("delivered", "Delivered"), ("permanent-failure", "Not delivered: address does not exist"),
            ("temporary-failure", "Not delivered: inbox full or refused"), ("sending", "Still being sent"),
        ].map { ["value": $0.0, "label": $0.1, "selected": (entered["delivery_status"] ?? "") == $0.0] }
        values.merge(errors.context) { $1 }
        return .page("support-notifications", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    /// One email of the delivery log, as the page shows it.
    static func row(_ email: NotificationsAPI.Components.Schemas.Email) -> [String: Any] {
        var row: [String: Any] = [
            "id": email.id, "to": email.to, "subject": email.subject, "template": email.template,
            "attempts": email.attempts == 1 ? "1 attempt" : "\(email.attempts) attempts",
            "created_at_text": Presentation.timestamp(email.createdAt.formatted(.iso8601)), "failed": email.status == .failed,
            "status_text": ["queued": "Waiting to send", "sent": "Sent", "failed": "Failed"][email.status.rawValue] ?? email.status.rawValue,
            "status_tag": ["queued": "yellow", "sent": "green", "failed": "red"][email.status.rawValue] ?? "grey",
        ]
        if let reference = email.claimReference { row["claim_reference"] = reference }
        if let sent = email.sentAt { row["sent_at_text"] = Presentation.timestamp(sent.formatted(.iso8601)) }
        if let error = email.lastError { row["last_error"] = error }
        if let delivery = email.deliveryStatus, email.status == .sent, let (words, tag) = deliveryWords[delivery.rawValue] {
            row["status_text"] = words
            row["status_tag"] = tag
            let undelivered = delivery == .permanentFailure || delivery == .temporaryFailure
            row["failed"] = undelivered
            if let reported = email.deliveryReportedAt, delivery == .delivered || undelivered {
                row["delivery_text"] = "\(words.lowercased()) \(Presentation.timestamp(reported.formatted(.iso8601)))"
                // The reason already says "not delivered": say it once.
                if undelivered, let error = email.lastError {
                    row["last_error"] = error.replacingOccurrences(of: "not delivered: ", with: "")
                }
            }
        }
        return row
    }

    func retry(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        guard let text = request.parameter("id"), text.count <= 12, let id = Int64(text) else { throw PageError.notFound }
        do {
            _ = try await site.client.notifications(as: Actors.support(user)) { try await $0.retryEmail(path: .init(id: Int(id))).accepted }
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
            let message = NotificationsAPI.Operations.SendMessage.Input(
                headers: .init(idempotencyKey: String((form["idempotency_key"] ?? Secrets.random()).prefix(100))),
                body: .json(.init(schoolUrn: urn, subject: entered["subject"]!, body: entered["body"]!))
            )
            let recipients = try await site.client.notifications(as: Actors.support(user)) {
                try await $0.sendMessage(message).accepted.body.json.recipients
            }
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
