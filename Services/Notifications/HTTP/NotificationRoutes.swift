import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import ServiceSupport

/// The delivery log for support (every email with its status, attempts and timestamps), a
/// support officer's message to a school, and sending a failed email again.
struct NotificationRoutes {
    let env: ServiceEnvironment
    let mail: MailConfiguration

    func add(to router: Router<ServiceRequestContext>) {
        let api = router.group("api/v1/notifications")
        api.get { request, context in try await list(request, context) }
        api.post("messages") { request, context in try await message(request, context) }
        api.post(":id/retry") { request, context in try await retry(request, context) }
        api.get("undeliverable") { request, context in try await undeliverable(request, context) }
    }

    struct MessageBody: Decodable {
        var schoolUrn: Int
        var subject: String
        var body: String

        enum CodingKeys: String, CodingKey {
            case subject, body
            case schoolUrn = "school_urn"
        }
    }

    struct Accepted: Encodable {
        var ids: [Int64]
        var recipients: [String]
    }

    /// Support writes to a school: one email to each of its contacts. An `Idempotency-Key`
    /// makes a repeated request (a client retrying after a timeout) queue nothing more.
    func message(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        let body = try await RequestDecoding.decode(MessageBody.self, from: request)
        var errors: [FieldError] = []
        let subject = body.subject.trimmingCharacters(in: .whitespacesAndNewlines)
        let text = body.body.trimmingCharacters(in: .whitespacesAndNewlines)
        if subject.isEmpty || subject.count > 200 || subject.contains(where: { $0.isNewline }) {
            errors.append(FieldError(field: "subject", message: "Enter a subject of 1 to 200 characters on one line."))
        }
        if text.isEmpty || text.count > 10_000 {
            errors.append(FieldError(field: "body", message: "Enter a message of 1 to 10,000 characters."))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        let fact: UUID
        if let key = request.headers[HTTPField.Name("Idempotency-Key")!] {
            guard !key.isEmpty, key.count <= 200 else {
                throw Problem.validation([FieldError(field: "Idempotency-Key", message: "Use a key of 1 to 200 characters.")])
            }
            fact = StableUUID.make("support-message:\(body.schoolUrn):\(key)")
        } else {
            fact = UUID()
        }
        let now = env.now()
        let accepted = try await env.database.write { db -> Accepted in
            guard let school = try Directory.school(db, urn: body.schoolUrn) else {
                throw Problem.notFound("No school with URN \(body.schoolUrn) is known to notifications yet.")
            }
            let recipients = EmailQueue.recipients(school.contacts + (try Directory.users(db, urn: body.schoolUrn)))
            guard !recipients.isEmpty else {
                throw Problem(.unprocessableContent, detail: "School \(body.schoolUrn) has no contact email address: add one in claims intake first.")
            }
            let support = mail.supportAddress
            let rendered = Templates.supportMessage(schoolName: school.name, subject: subject, body: text, support: support)
            for recipient in recipients {
                try EmailQueue.queue(db, fact: fact, rendered: rendered, to: recipient, reference: nil, at: now, replyTo: support)
            }
            let ids = try EmailLog.ids(db, fact: fact)
            return Accepted(ids: ids, recipients: recipients)
        }
        return try JSONResponse.make(accepted, status: .accepted)
    }

    /// Sends a failed email again, with as many attempts as the first time.
    func retry(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        guard let id = context.parameters.get("id").flatMap({ Int64($0) }) else {
            throw Problem.notFound("There is no email with that id.")
        }
        let now = Milliseconds(env.now())
        let limit = mail.maxAttempts
        try await env.database.write { db in
            switch try EmailLog.queueAgain(db, id: id, now: now, attempts: limit) {
            case .queued: break
            case .unknown: throw Problem.notFound("There is no email \(id).")
            case .notFailed(let status):
                throw Problem(.conflict, detail: "Email \(id) is \(status), not failed: only a failed email can be sent again.")
            }
        }
        env.logger.info("email queued again by support", metadata: ["notification_id": "\(id)"])
        return try JSONResponse.make(["id": id], status: .accepted)
    }

    struct UndeliverableList: Encodable {
        var items: [EmailLog.Undeliverable]
    }

    /// The school's addresses that the mail service last reported as not receiving email, so
    /// that support can have them corrected.
    func undeliverable(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        var query = QueryReader(request)
        let urn = query.urn("school_urn")
        if urn == nil, query.raw("school_urn") == nil { query.add("school_urn", "Enter the school's URN") }
        try query.throwIfAny()
        guard let urn else { throw Problem.validation([FieldError(field: "school_urn", message: "Enter the school's URN")]) }
        let items = try await env.database.read { db -> [EmailLog.Undeliverable] in
            guard let school = try Directory.school(db, urn: urn) else {
                throw Problem.notFound("No school with URN \(urn) is known to notifications yet.")
            }
            return try EmailLog.undeliverable(db, addresses: EmailQueue.recipients(school.contacts + (try Directory.users(db, urn: urn))))
        }
        return try JSONResponse.make(UndeliverableList(items: items))
    }

    func list(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        var query = QueryReader(request)
        let pagination = Pagination(&query)
        let reference = query.text("claim_reference", maxLength: 8)
        if let reference, !reference.allSatisfy(\.isASCII) || !reference.allSatisfy(\.isNumber) {
            query.add("claim_reference", "Enter a claim reference of 8 digits")
        }
        let to = query.text("to", maxLength: 320)?.lowercased()
        let template = query.text("template", maxLength: 100)
        let status = query.oneOf("status", ["queued", "sent", "failed"], message: "Use queued, sent or failed.")
        let deliveries = DeliveryStatus.allCases.map(\.rawValue)
        let delivery = query.oneOf("delivery_status", deliveries, message: "Use one of \(deliveries.joined(separator: ", ")).")
        try query.throwIfAny()
        let search = EmailLog.Search(claimReference: reference, to: to, template: template, status: status, deliveryStatus: delivery)
        let page = try await env.database.read { db in try EmailLog.page(db, search, pagination) }
        return try JSONResponse.make(page)
    }
}
