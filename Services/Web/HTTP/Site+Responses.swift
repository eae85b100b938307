import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore
import ServiceSupport

/// The site's responses: pages, redirects, error pages, security headers, cookies and forms.
extension Site {
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
        case ServiceCallError.invalid(let fields, let detail):
            // A page that has no form for these values (an address typed or changed by hand): what
            // the service refused, in its words, rather than a failure.
            let messages = fields.map(\.message)
            (status, title, body) = (
                .badRequest, "Sorry, there is a problem with your request",
                (messages.isEmpty ? detail : messages.joined(separator: ". ")) + ". Go back and try again."
            )
        case ServiceCallError.conflict(_, let detail):
            (status, title, body) = (.conflict, "This has changed since you loaded it", "\(detail) Go back, refresh the page and try again.")
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
    /// The schools import, which takes the GIAS extract as published (claims-intake's limit of
    /// 128 MiB).
    static let extractUploadLimit = 128 * 1024 * 1024 + 64 * 1024

    /// Reads a form; a file part may be up to `uploadLimit` bytes.
    func readForm(_ request: Request, uploadLimit: Int) async throws -> Form {
        let header = request.headers[.contentType] ?? ""
        let type = header.lowercased()
        if type.hasPrefix("multipart/form-data") {
            guard let boundary = Multipart.boundary(header) else { throw PageError.badRequest("The form could not be read. Go back and try again.") }
            let buffer = try await request.body.collect(upTo: uploadLimit)
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
