import Foundation
import GRDB
import Hummingbird
import ServiceSupport

/// The delivery log for support: every email with its status, attempts and timestamps.
struct NotificationRoutes {
    let env: ServiceEnvironment

    func add(to router: Router<ServiceRequestContext>) {
        router.group("api/v1").get("notifications") { request, context in try await list(request, context) }
    }

    struct Item: Encodable {
        var id: Int64
        var template: String
        var to: String
        var subject: String
        var claimReference: String?
        var status: String
        var attempts: Int
        var lastError: String?
        var createdAt: Date
        var sentAt: Date?
    }

    func list(_ request: Request, _ context: ServiceRequestContext) async throws -> Response {
        _ = try context.requireRole(.support)
        let query = request.uri.queryParameters
        let pagination = try Pagination(request)
        let reference = query["claim_reference"].map(String.init)
        let to = query["to"].map { String($0).lowercased() }
        let template = query["template"].map(String.init)
        let page = try await env.database.read { db -> Page<Item> in
            let filter = "(? IS NULL OR claim_reference = ?) AND (? IS NULL OR recipient = ?) AND (? IS NULL OR template = ?)"
            let arguments: StatementArguments = [reference, reference, to, to, template, template]
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM emails WHERE \(filter)", arguments: arguments) ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM emails WHERE \(filter) ORDER BY id DESC LIMIT ? OFFSET ?",
                arguments: arguments + [pagination.perPage, pagination.offset])
            let items = rows.map { row in
                Item(
                    id: row["id"], template: row["template"], to: row["recipient"], subject: row["subject"], claimReference: row["claim_reference"],
                    status: row["status"], attempts: row["attempts"], lastError: row["last_error"],
                    createdAt: Date(timeIntervalSince1970: Double(row["created_at"] as Int64) / 1000),
                    sentAt: (row["sent_at"] as Int64?).map { Date(timeIntervalSince1970: Double($0) / 1000) })
            }
            return Page(items: items, page: pagination.page, perPage: pagination.perPage, total: total)
        }
        return try JSONResponse.make(page)
    }
}
