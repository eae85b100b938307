import Foundation

/// A real SMTP server for tests: `Tests/Scripts/smtp_server.py` (aiosmtpd) in its own process on
/// 127.0.0.1, recording every message it accepts.
public final class SMTPTestServer: @unchecked Sendable {
    /// One accepted message, as the server parsed it.
    public struct Received: Sendable {
        public var mailFrom: String
        public var recipients: [String]
        public var messageID: String
        public var to: String
        public var from: String
        /// The `Reply-To` header (empty when there is none).
        public var replyTo: String = ""
        /// RFC 2047 decoded.
        public var subject: String
        /// The `X-Mentor-Claims-Template` header.
        public var template: String
        /// Transfer encoding decoded, line ends normalised to `\n`.
        public var body: String
        /// The HTML part, transfer encoding decoded (empty when there is none).
        public var html: String
        /// The longest line of the message as sent, in bytes.
        public var longestLine: Int
        public var authenticated: Bool
        public var tls: Bool
    }

    public let port: Int
    public let process: LaunchedProcess
    private let log: String

    /// Starts the server with `options` (see the script: `--temporary`, `--permanent`, `--tls`,
    /// `--auth`) and waits until it listens.
    public init(folder: TemporaryFolder, name: String = "smtp", options: [String] = []) async throws {
        port = FreePorts.one()
        log = folder.path("\(name).jsonl")
        FileManager.default.createFile(atPath: log, contents: nil)
        let script = BuiltProducts.packageRoot.appendingPathComponent("Tests/Scripts/smtp_server.py").path
        process = try ProcessLauncher.start(
            "/usr/bin/env",
            arguments: ["python3", script, "--port", "\(port)", "--log", log] + options,
            directory: folder.url,
            logName: name
        )
        let process = self.process
        try await Eventually.wait("the SMTP server to listen", timeout: 20) {
            if !process.isRunning { throw Eventually.TimedOut(what: "SMTP server exited: \(process.output)") }
            return process.output.contains("ready")
        }
    }

    /// Everything accepted so far, in order.
    public func received() -> [Received] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return Received(
                mailFrom: object["mail_from"] as? String ?? "",
                recipients: object["rcpt_tos"] as? [String] ?? [],
                messageID: object["message_id"] as? String ?? "",
                to: object["to"] as? String ?? "",
                from: object["from"] as? String ?? "",
                replyTo: object["reply_to"] as? String ?? "",
                subject: object["subject"] as? String ?? "",
                template: object["template"] as? String ?? "",
                body: (object["body"] as? String ?? "").replacingOccurrences(of: "\r\n", with: "\n"),
                html: object["html"] as? String ?? "",
                longestLine: object["longest_line"] as? Int ?? 0,
                authenticated: object["authenticated"] as? Bool ?? false,
                tls: object["tls"] as? Bool ?? false
            )
        }
    }

    /// Waits until at least `count` messages were accepted.
    @discardableResult
    public func waitFor(_ count: Int, timeout: TimeInterval = 30) async throws -> [Received] {
        try await Eventually.wait("\(count) emails at the SMTP server", timeout: timeout, interval: .milliseconds(100)) { received().count >= count }
        return received()
    }

    public func stop() async { await process.stop(grace: 5) }

    /// A self-signed certificate for `localhost` and 127.0.0.1 (PEM files), made with openssl.
    public static func makeCertificate(in folder: TemporaryFolder) throws -> (certificate: String, key: String) {
        let certificate = folder.path("smtp-cert.pem")
        let key = folder.path("smtp-key.pem")
        let result = try ProcessLauncher.run(
            "/usr/bin/env",
            arguments: [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ]
        )
        guard result.status == 0 else { throw Eventually.TimedOut(what: "openssl: \(result.output)") }
        return (certificate, key)
    }
}
