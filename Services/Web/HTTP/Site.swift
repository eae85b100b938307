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
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let name = decode(parts[0])
            guard !name.isEmpty else { continue }
            form.values[name, default: []].append(parts.count > 1 ? decode(parts[1]) : "")
        }
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

/// The web front door's shared machinery: sessions, the form token, sign-in checks, error pages
/// and the security headers of web.md, around each page handler.
struct Site: Sendable {
    let renderer: PageRenderer
    let sessions: SessionStore
    let users: UserStore
    let client: ServiceClient
    let configuration: Configuration
    let policy: SessionPolicy
    let logger: Logger
    let now: @Sendable () -> Date

    static let cookieName = "mentor_claims_session"
    static let serviceName = "Claim funding for mentor training"

    /// Who may open a page.
    enum Access {
        /// Anyone, signed in or not.
        case anyone
        /// Only someone signed in; others are sent to sign in and brought back.
        case signedIn
    }

    /// Adds `handler` at `path` for `method`.
    func on(
        _ router: Router<ServiceRequestContext>,
        _ method: HTTPRequest.Method,
        _ path: RouterPath,
        access: Access = .signedIn,
        _ handler: @escaping @Sendable (PageRequest) async throws -> PageResult
    ) {
        router.on(path, method: method) { request, context in
            try await self.respond(request, context, access: access, handler)
        }
    }

    func respond(
        _ request: Request,
        _ context: ServiceRequestContext,
        access: Access,
        _ handler: @Sendable (PageRequest) async throws -> PageResult
    ) async throws -> Response {
        var setCookie: String?
        var record: SessionRecord
        var user: User?
        var signedOutNow = false
        if let id = cookie(request), let found = try await sessions.find(id: id) {
            record = found
            switch policy.verdict(signedInAt: found.signedInAt, lastSeenAt: found.lastSeenAt, now: now()) {
            case .active:
                if let userID = found.userID, let stored = try await users.database.read({ try UserStore.user($0, id: userID) }),
                    !stored.memberships.isEmpty
                {
                    user = stored
                    try await sessions.touch(found)
                } else {
                    try await sessions.expire(found, returnTo: nil)
                }
            case .expired:
                try await sessions.expire(found, returnTo: request.method == .get ? pathWithQuery(request) : nil)
                record.userID = nil
                signedOutNow = true
            case .anonymous:
                try await sessions.touch(found)
            }
        } else {
            let created = try await sessions.create()
            record = created.record
            setCookie = sessionCookie(created.id)
        }

        var response: Response
        do {
            var form = Form()
            if request.method == .post {
                form = try await readForm(request)
                guard sameOrigin(request), let token = form["_token"], Secrets.equal(token, record.formToken) else {
                    logger.info("refused a form without its token", metadata: ["path": "\(request.uri.path)"])
                    throw PageError.forbidden
                }
            }
            if access == .signedIn && user == nil {
                if signedOutNow {
                    response = try html(
                        render("signed-out", ["title": "You have been signed out"], record: record, user: nil),
                        status: .ok
                    )
                } else {
                    if request.method == .get { try await sessions.setReturnTo(record, pathWithQuery(request)) }
                    response = redirect("/sign-in")
                }
            } else {
                let flash = record.flash
                if flash != nil { try await sessions.setFlash(record, nil) }
                let page = PageRequest(
                    request: request,
                    context: context,
                    session: record,
                    user: user,
                    form: form,
                    flash: flash,
                    queryForm: Form.parse(request.uri.query ?? "")
                )
                switch try await handler(page) {
                case .page(let template, var values, let status):
                    if let flash {
                        let important = flash.hasPrefix(SessionStore.importantPrefix)
                        values["flash"] = important ? String(flash.dropFirst(SessionStore.importantPrefix.count)) : flash
                        if important { values["flashImportant"] = true }
                    }
                    response = try html(render(template, values, record: record, user: user), status: status)
                case .redirect(let location):
                    response = redirect(location)
                case .response(let prepared):
                    response = prepared
                }
            }
        } catch {
            response = try errorPage(error, request: request, record: record, user: user)
        }
        secure(&response)
        if let setCookie { response.headers.append(HTTPField(name: .setCookie, value: setCookie)) }
        return response
    }

    // MARK: Rendering

    /// The layout's values (service name, the person, the form token) with the page's.
    func render(_ template: String, _ values: [String: Any], record: SessionRecord, user: User?) throws -> String {
        var context = values
        context["serviceName"] = Self.serviceName
        context["formToken"] = record.formToken
        if let user {
            context["signedIn"] = ["name": user.name, "email": user.email]
            if user.isSupport { context["isSupport"] = true }
        }
        if context["title"] == nil { context["title"] = Self.serviceName }
        if template.hasPrefix("support-") {
            let current = Self.supportSection(template)
            context["supportNav"] = Self.supportSections.map { ["label": $0.1, "href": "/support/\($0.0)", "current": $0.0 == current] }
        }
        guard let html = renderer.render(template, Self.pruned(context)) else {
            throw PageRenderingFailure(template: template)
        }
        return html
    }

    struct PageRenderingFailure: Error { var template: String }

    /// The support console's sections, in the order of its navigation.
    static let supportSections = [
        ("claims", "Claims"), ("payments", "Payments"), ("audit", "Audit"), ("schools", "Schools"), ("providers", "Providers"),
        ("claim-windows", "Claim windows"), ("funding-rates", "Funding rates"), ("users", "Users"), ("notifications", "Emails"),
    ]

    /// The section a support page belongs to, from its template's name (`support-audit-sample` is Audit).
    static func supportSection(_ template: String) -> String {
        let name = template.dropFirst("support-".count)
        if name.hasPrefix("claim-windows") { return "claim-windows" }
        if name.hasPrefix("claim") || name.hasPrefix("clawback") { return "claims" }
        if name.hasPrefix("membership") || name.hasPrefix("user") { return "users" }
        for (section, _) in supportSections where name.hasPrefix(section.hasSuffix("s") ? String(section.dropLast()) : section) { return section }
        return "claims"
    }

    /// The values without empty strings, so that `{{#value}}…{{/value}}` leaves out a row whose
    /// value is blank (Mustache counts an empty string as present); `{{value}}` of a missing key
    /// renders nothing, as the empty string would.
    static func pruned(_ values: [String: Any]) -> [String: Any] {
        var out: [String: Any] = [:]
        for (key, value) in values {
            switch value {
            case let text as String where text.isEmpty: continue
            case let nested as [String: Any]: out[key] = pruned(nested)
            case let list as [[String: Any]]: out[key] = list.map(pruned)
            default: out[key] = value
            }
        }
        return out
    }

    func html(_ text: String, status: HTTPResponse.Status) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func redirect(_ location: String) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    /// The error pages of web.md, in the same style as every other page.
    func errorPage(_ error: any Error, request: Request, record: SessionRecord, user: User?) throws -> Response {
        let (status, title, body): (HTTPResponse.Status, String, String)
        switch error {
        case PageError.notFound, ServiceCallError.notFound:
            (status, title, body) = (
                .notFound, "Page not found",
                "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address."
            )
        case PageError.forbidden, ServiceCallError.forbidden:
            (status, title, body) = (
                .forbidden, "You do not have access",
                "You cannot see this page or do this. If you followed a form, go back, refresh the page and try again."
            )
        case PageError.badRequest(let detail):
            (status, title, body) = (.badRequest, "Sorry, there is a problem with your request", detail)
        case ServiceCallError.unavailable(let detail):
            logger.error("a service did not answer", metadata: ["detail": "\(detail)", "path": "\(request.uri.path)"])
            (status, title, body) = (
                .serviceUnavailable, "Sorry, the service is unavailable",
                "You will be able to use the service later. Nothing you entered on this page has been saved."
            )
        case let httpError as any HTTPResponseError where httpError.status == .notFound:
            (status, title, body) = (
                .notFound, "Page not found",
                "If you typed the web address, check it is correct. If you pasted the web address, check you copied the entire address."
            )
        case let httpError as any HTTPResponseError where httpError.status == .contentTooLarge:
            (status, title, body) = (.contentTooLarge, "The file or form is too large", "Go back and send a smaller one.")
        case let httpError as any HTTPResponseError where httpError.status == .methodNotAllowed:
            (status, title, body) = (.methodNotAllowed, "Page not found", "This page cannot be opened that way.")
        default:
            logger.error("page failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            (status, title, body) = (
                .internalServerError, "Sorry, there is a problem with the service",
                "Try again later. Nothing you entered on this page has been saved."
            )
        }
        let text = try render("error", ["title": title, "heading": title, "body": body, "status": status.code], record: record, user: user)
        return try html(text, status: status)
    }

    // MARK: Headers and cookies

    /// web.md's security headers; pages carry personal data, so none is stored by a browser.
    func secure(_ response: inout Response) {
        response.headers[.contentSecurityPolicy] =
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Permissions-Policy")!] = "camera=(), microphone=(), geolocation=()"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
    }

    func sessionCookie(_ id: String) -> String {
        var cookie = "\(Self.cookieName)=\(id); Path=/; HttpOnly; SameSite=Lax"
        if configuration.secureCookies { cookie += "; Secure" }
        return cookie
    }

    func cookie(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0] == Self.cookieName { return String(pair[1]) }
            }
        }
        return nil
    }

    /// A form from another site is refused: `Origin` (or, without it, `Referer`) must be ours.
    func sameOrigin(_ request: Request) -> Bool {
        let claimed = request.headers[.origin] ?? request.headers[.referer]
        guard let claimed else { return true }  // the form token alone decides
        guard let url = URL(string: claimed), let host = url.host else { return false }
        let origin = "\(url.scheme ?? "http")://\(host)\(url.port.map { ":\($0)" } ?? "")"
        if let base = URL(string: configuration.common.publicBaseURL), let baseHost = base.host {
            let ours = "\(base.scheme ?? "http")://\(baseHost)\(base.port.map { ":\($0)" } ?? "")"
            if origin.lowercased() == ours.lowercased() { return true }
        }
        // Reached directly (tests, make run on another port): the Host it was sent to.
        if let hostHeader = request.headers[HTTPField.Name("Host")!] ?? request.head.authority {
            return origin.lowercased().hasSuffix("://\(hostHeader.lowercased())")
        }
        return false
    }

    static let formLimit = 256 * 1024
    /// A form with a file: the services take CSV files of up to 20 MiB (api.md), with room for the fields.
    static let uploadLimit = 20 * 1024 * 1024 + 64 * 1024

    func readForm(_ request: Request) async throws -> Form {
        let header = request.headers[.contentType] ?? ""
        let type = header.lowercased()
        if type.hasPrefix("multipart/form-data") {
            guard let boundary = Multipart.boundary(header) else { throw PageError.badRequest("The form could not be read. Go back and try again.") }
            let buffer = try await request.body.collect(upTo: Self.uploadLimit)
            guard let form = Multipart.parse(Data(buffer: buffer), boundary: boundary) else {
                throw PageError.badRequest("The form could not be read. Go back and try again.")
            }
            return form
        }
        guard type.hasPrefix("application/x-www-form-urlencoded") else { return Form() }
        let buffer = try await request.body.collect(upTo: Self.formLimit)
        return Form.parse(String(buffer: buffer))
    }

    func pathWithQuery(_ request: Request) -> String {
        let path = request.uri.path
        guard let query = request.uri.query, !query.isEmpty else { return path }
        return "\(path)?\(query)"
    }

    /// A path to return to after sign-in: ours only, never another site.
    static func safeReturn(_ path: String?) -> String? {
        guard let path, path.hasPrefix("/"), !path.hasPrefix("//"), !path.hasPrefix("/\\"), !path.contains("\n"), !path.contains("\r") else {
            return nil
        }
        return path
    }
}
