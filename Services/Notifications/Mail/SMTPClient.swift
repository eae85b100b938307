import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// One reply from an SMTP server: its code and text lines (several for a multi-line reply).
struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    let code: Int
    let lines: [String]

    var description: String { "\(code) " + lines.joined(separator: " ") }
}

/// Why an email could not be handed to the server. A 5xx answer is permanent (sending it again
/// will not help); a 4xx answer, a refused connection or a dropped one is worth retrying.
enum SMTPError: MailTransportError, CustomStringConvertible {
    case refused(command: String, reply: SMTPReply)
    case connection(String)
    /// A kept-open connection that the server had closed: nothing of this email was said.
    case stale(String)
    case configuration(String)

    var isPermanent: Bool {
        switch self {
        case .refused(_, let reply): return reply.code >= 500
        case .connection, .stale: return false
        case .configuration: return true
        }
    }

    var description: String {
        switch self {
        case .refused(let command, let reply): return "\(command) refused: \(reply)"
        case .connection(let text), .stale(let text): return "connection: \(text)"
        case .configuration(let text): return text
        }
    }
}

/// Settings for the SMTP transport, from `SMTP_*`.
struct SMTPSettings: Sendable {
    var host: String
    var port: Int
    var username: String?
    var password: String?
    /// Upgrade with STARTTLS before anything else is said; refuse to go on without it. When it
    /// is false (only ever by choice: `SMTP_STARTTLS=false`), AUTH is sent in clear, and the
    /// service logs a warning at start.
    var startTLS: Bool
    /// An extra certificate authority (PEM) to trust, for a server with a private certificate.
    var certificateAuthorityFile: String?
    /// The name this client gives in EHLO.
    var clientName = "mentor-claims.notifications"
    var timeout: TimeAmount = .seconds(30)
}

/// A real SMTP client (RFC 5321): EHLO, STARTTLS when configured, AUTH PLAIN or LOGIN, then
/// MAIL/RCPT/DATA for each email with dot-stuffing. One connection is kept open and reused; it is
/// dropped after any failure and opened again for the next email.
actor SMTPMailTransport: MailTransport {
    private let settings: SMTPSettings
    private let tls: NIOSSLContext?
    private var session: SMTPSession?

    init(settings: SMTPSettings) throws {
        self.settings = settings
        if settings.startTLS {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.minimumTLSVersion = .tlsv12
            if let file = settings.certificateAuthorityFile {
                configuration.additionalTrustRoots = [.file(file)]
            }
            tls = try NIOSSLContext(configuration: configuration)
        } else {
            tls = nil
        }
    }

    @discardableResult
    func send(_ email: Email) async throws -> String? {
        let text = EmailFormat.rfc5322(email)
        if let session {
            do {
                try await session.deliver(from: Self.address(email.from), to: Self.address(email.to), text: text)
                return nil
            } catch SMTPError.stale {
                // The server closed an idle connection: open a new one and try once more.
                await drop()
            } catch {
                await drop()
                throw error
            }
        }
        let fresh = try await SMTPSession.open(settings: settings, tls: tls)
        session = fresh
        do {
            try await fresh.deliver(from: Self.address(email.from), to: Self.address(email.to), text: text)
        } catch {
            await drop()
            throw error
        }
        return nil
    }

    /// Says QUIT and closes the connection.
    func close() async {
        if let session { await session.quit() }
        session = nil
    }

    private func drop() async {
        if let session { await session.closeNow() }
        session = nil
    }

    /// The bare address of `Name <address>`.
    static func address(_ text: String) -> String {
        if let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close {
            return String(text[text.index(after: open)..<close])
        }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// Dot-stuffing (RFC 5321 4.5.2): a line starting with "." gets another one, so the server
    /// never mistakes it for the end of the data; the text ends with CRLF "." CRLF.
    static func dotStuffed(_ text: String) -> String {
        var lines = text.components(separatedBy: "\r\n")
        if lines.last == "" { lines.removeLast() }
        let stuffed = lines.map { $0.hasPrefix(".") ? "." + $0 : $0 }
        return stuffed.joined(separator: "\r\n") + "\r\n.\r\n"
    }
}
