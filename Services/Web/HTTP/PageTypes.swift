import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore
import ServiceSupport

/// Why a page cannot be shown, mapped to the error pages of web.md.
enum PageError: Error {
    case notFound
    case forbidden
    case badRequest(String)
}

/// A submitted form: `application/x-www-form-urlencoded`, each name with its values in order.
struct Form: Sendable {
    var values: [String: [String]] = [:]
    /// Files chosen in `<input type="file">` fields, by field name (multipart forms only).
    var files: [String: Upload] = [:]

    struct Upload: Sendable {
        var fileName: String
        var data: Data
    }

    /// The first value of `name`, trimmed; nil when missing or blank.
    subscript(_ name: String) -> String? {
        guard let value = values[name]?.first?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    func all(_ name: String) -> [String] { values[name] ?? [] }

    static func parse(_ text: String) -> Form {
        var form = Form()
        for (name, value) in QueryReader.pairs(text) { form.values[name, default: []].append(value) }
        return form
    }
}

/// Errors shown on a page: in the error summary at the top and beside each field.
struct PageErrors: Sendable {
    /// (field id, message) in the order of the page.
    private(set) var list: [(id: String, message: String)] = []

    mutating func add(_ id: String, _ message: String) {
        guard !list.contains(where: { $0.id == id }) else { return }
        list.append((id, message))
    }

    var isEmpty: Bool { list.isEmpty }

    /// The message for the field `id`, if it has one.
    func message(for id: String) -> String? { list.first { $0.id == id }?.message }

    /// The template values: `errors` (the summary) and `errorFor` (by field id).
    var context: [String: Any] {
        guard !list.isEmpty else { return [:] }
        var byField: [String: String] = [:]
        for entry in list { byField[entry.id] = entry.message }
        return ["errors": list.map { ["id": $0.id, "message": $0.message] }, "errorFor": byField, "hasErrors": true]
    }
}

/// What a page handler produces.
enum PageResult {
    /// A page from `template` with `context`.
    case page(_ template: String, _ context: [String: Any], status: HTTPResponse.Status = .ok)
    /// See other (303): after a form, and to send someone on.
    case redirect(String)
    /// A prepared response (downloads, files).
    case response(Response)

    /// A CSV download named `fileName`, never stored by the browser's cache.
    static func csv(_ data: Data, fileName: String) -> PageResult {
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(fileName)\""
        headers[.cacheControl] = "no-store"
        return .response(Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data))))
    }
}

/// The request as a page handler sees it.
struct PageRequest {
    var request: Request
    var context: ServiceRequestContext
    var session: SessionRecord
    /// The signed-in person; nil on public pages for visitors.
    var user: User?
    var form: Form
    /// The one-time message set by the previous page.
    var flash: String?
    /// The query string as a browser's GET form sends it (`+` for a space, percent-encoding), read once.
    var queryForm: Form

    var path: String { request.uri.path }
    func parameter(_ name: String) -> String? { context.parameters.get(name) }

    func query(_ name: String) -> String? {
        guard let value = queryForm.values[name]?.first?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// The claim reference of the path (8 digits); any other is no page at all.
    var claimReference: String {
        get throws {
            guard let reference = parameter("reference"), reference.count == 8, reference.allSatisfy(\.isNumber) else { throw PageError.notFound }
            return reference
        }
    }

    /// The signed-in person, for pages that need one (the wrapper has already sent others to sign in).
    var signedIn: User {
        get throws {
            guard let user else { throw PageError.forbidden }
            return user
        }
    }

    /// The signed-in DfE support user; anyone else finds no such page (404).
    var supportUser: User {
        get throws {
            let user = try signedIn
            guard user.isSupport else { throw PageError.notFound }
            return user
        }
    }
}

/// Renders pages from the templates: one file per page and shared partials, HTML-escaped by default.
struct PageRenderer: Sendable {
    let library: MustacheLibrary

    /// Loads every `.mustache` file in `directory`.
    init(directory: String) async throws {
        library = try await MustacheLibrary(directory: directory)
        for name in ["layout", "error"] where library.getTemplate(named: name) == nil {
            throw ConfigurationError(variable: "templates", message: "\(directory) has no \(name).mustache")
        }
    }

    func render(_ template: String, _ context: [String: Any]) -> String? {
        library.render(context, withTemplate: template)
    }
}

/// Where the templates and the stylesheet are: beside the executable, in its resource bundle.
enum SiteFiles {
    static var templates: String { Bundle.module.resourceURL!.appendingPathComponent("Templates").path }
    static var assets: String { Bundle.module.resourceURL!.appendingPathComponent("Assets").path }
}
