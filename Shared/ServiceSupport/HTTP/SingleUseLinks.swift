import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// Single-use download links (`../spec/files.md`): the token in the URL is stored only as its
/// SHA-256 hash, opening the link shows a page with a Download button, and only that button's
/// `POST` gives the file and uses the link up, so a mail scanner that opens links cannot spend it.
public enum SingleUseLink {
    /// The hex SHA-256 of `token`: what the links tables store and look up.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The token of a link request: from the query (`?token=`), or from a form body on `POST`.
    /// At most 128 characters of hex digits; anything else is no token.
    public static func token(_ request: Request, body: ByteBuffer?) -> String? {
        var candidates: [String] = []
        if let text = request.uri.queryParameters["token"] { candidates.append(String(text)) }
        if let body, body.readableBytes <= 4096 {
            let form = String(buffer: body)
            for pair in form.split(separator: "&") where pair.hasPrefix("token=") {
                candidates.append(String(pair.dropFirst("token=".count)))
            }
        }
        return candidates.first { !$0.isEmpty && $0.count <= 128 && $0.allSatisfy(\.isHexDigit) }
    }

    /// What a link leads to.
    public enum State: Sendable, Equatable {
        /// The link can be used: the page offers the file.
        case valid(fileName: String, description: String)
        /// No such link (unknown or altered token).
        case unknown
        /// The link was used, replaced by a newer one, or has expired.
        case gone
    }

    /// The page for `GET`: a Download button for a valid link, a plain explanation otherwise.
    public static func page(_ state: State, path: String, token: String) -> Response {
        switch state {
        case .valid(let fileName, let description):
            let action = "\(path)?token=\(token)"
            return html(
                .ok,
                title: "Download \(fileName)",
                body: """
                    <h1>Download \(escape(fileName))</h1>
                    <p>\(escape(description))</p>
                    <p>This link works once: pressing the button downloads the file and uses the link up. It expires 7 days after it was sent.</p>
                    <form method="post" action="\(escape(action))">
                      <input type="hidden" name="token" value="\(escape(token))">
                      <button type="submit">Download \(escape(fileName))</button>
                    </form>
                    """
            )
        case .unknown:
            return html(
                .notFound,
                title: "This link is not valid",
                body: """
                    <h1>This link is not valid</h1>
                    <p>Check that you copied the whole link from the email, or ask the Department for Education to send a new one.</p>
                    """
            )
        case .gone:
            return html(
                .gone,
                title: "This link can no longer be used",
                body: """
                    <h1>This link can no longer be used</h1>
                    <p>It has been used, replaced by a newer link, or has expired. Ask the Department for Education to send a new one.</p>
                    """
            )
        }
    }

    /// The file, for the button's `POST`.
    public static func file(_ data: Data, fileName: String) -> Response {
        var headers = secureHeaders()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(fileName)\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func html(_ status: HTTPResponse.Status, title: String, body: String) -> Response {
        var headers = secureHeaders()
        headers[.contentType] = "text/html; charset=utf-8"
        let page = """
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>\(escape(title)) – Claim funding for mentor training</title>
            <style>body{font-family:Arial,sans-serif;max-width:40em;margin:2em auto;padding:0 1em;line-height:1.5;color:#0b0c0c}button{font-size:1.1875rem;padding:.5em 1em;background:#00703c;color:#fff;border:0;box-shadow:0 2px 0 #002d18;cursor:pointer}button:focus{outline:3px solid #fd0;outline-offset:0}</style>
            </head>
            <body><main>
            \(body)
            </main></body>
            </html>
            """
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    /// The token is in the URL: never cache the page, never send it on as a referrer.
    static func secureHeaders() -> HTTPFields {
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
        return headers
    }

    /// `text` safe inside HTML text and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// A claim reference as read from an upload: digits with any spaces removed, and the leading
/// zeros a spreadsheet dropped put back (`1234` is `00001234`). Anything else is returned as
/// typed, so the row's error can quote it.
public enum ClaimReferenceText {
    /// The reference, 8 digits where it can be.
    public static func normalise(_ text: String) -> String {
        let compact = text.filter { !$0.isWhitespace }
        guard (1...8).contains(compact.count), compact.allSatisfy({ $0.isASCII && $0.isNumber }) else { return text }
        return String(repeating: "0", count: 8 - compact.count) + compact
    }
}
