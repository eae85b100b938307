import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore
import ServiceSupport

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

    /// Adds `handler` at `path` for `method`. A page that takes larger files says so with
    /// `supportUploadLimit`, granted to support users only, so nobody else can make web hold that
    /// much; everyone else has `Site.uploadLimit`.
    func on(
        _ router: Router<ServiceRequestContext>,
        _ method: HTTPRequest.Method,
        _ path: RouterPath,
        access: Access = .signedIn,
        supportUploadLimit: Int = Site.uploadLimit,
        _ handler: @escaping @Sendable (PageRequest) async throws -> PageResult
    ) {
        router.on(path, method: method) { request, context in
            try await self.respond(request, context, access: access, supportUploadLimit: supportUploadLimit, handler)
        }
    }

    func respond(
        _ request: Request,
        _ context: ServiceRequestContext,
        access: Access,
        supportUploadLimit: Int,
        _ handler: @Sendable (PageRequest) async throws -> PageResult
    ) async throws -> Response {
        let (record, user, signedOutNow, setCookie) = try await session(for: request)
        var response: Response
        do {
            var form = Form()
            if request.method == .post {
                form = try await readForm(request, uploadLimit: user?.isSupport == true ? supportUploadLimit : Self.uploadLimit)
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
                response = try await answer(handler(page), flash: flash, record: record, user: user)
            }
        } catch {
            response = try errorPage(error, request: request, record: record, user: user)
        }
        secure(&response)
        if let setCookie { response.headers.append(HTTPField(name: .setCookie, value: setCookie)) }
        return response
    }

    /// The request's session, and its user while the session is active: an expired one is
    /// ended (remembering the page asked for), and a request with none gets a new one.
    func session(for request: Request) async throws -> (SessionRecord, User?, signedOutNow: Bool, setCookie: String?) {
        guard let id = cookie(request), var record = try await sessions.find(id: id) else {
            let created = try await sessions.create()
            return (created.record, nil, false, sessionCookie(created.id))
        }
        switch policy.verdict(signedInAt: record.signedInAt, lastSeenAt: record.lastSeenAt, now: now()) {
        case .active:
            if let userID = record.userID, let stored = try await users.database.read({ try UserStore.user($0, id: userID) }),
                !stored.memberships.isEmpty
            {
                try await sessions.touch(record)
                return (record, stored, false, nil)
            }
            try await sessions.expire(record, returnTo: nil)
            return (record, nil, false, nil)
        case .expired:
            try await sessions.expire(record, returnTo: request.method == .get ? pathWithQuery(request) : nil)
            record.userID = nil
            return (record, nil, true, nil)
        case .anonymous:
            try await sessions.touch(record)
            return (record, nil, false, nil)
        }
    }

    /// A handler's result as the response: a page (with the one-time message), a redirect, or a
    /// prepared response.
    func answer(_ result: PageResult, flash: String?, record: SessionRecord, user: User?) throws -> Response {
        switch result {
        case .page(let template, var values, let status):
            if let flash {
                let important = flash.hasPrefix(SessionStore.importantPrefix)
                values["flash"] = important ? String(flash.dropFirst(SessionStore.importantPrefix.count)) : flash
                if important { values["flashImportant"] = true }
            }
            return try html(render(template, values, record: record, user: user), status: status)
        case .redirect(let location):
            return redirect(location)
        case .response(let prepared):
            return prepared
        }
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
}
