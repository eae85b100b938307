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
enum SMTPError: Error, CustomStringConvertible {
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

    func send(_ email: Email) async throws {
        let text = EmailFormat.rfc5322(email)
        if let session {
            do {
                try await session.deliver(from: Self.address(email.from), to: Self.address(email.to), text: text)
                return
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

/// One open SMTP connection, used by one sender at a time.
actor SMTPSession {
    private let channel: any Channel
    private var replies: AsyncThrowingStream<SMTPReplySink.Tagged, any Error>.AsyncIterator
    private let timeout: TimeAmount
    private let epoch: SMTPReplySink.Epoch

    private init(
        channel: any Channel,
        replies: AsyncThrowingStream<SMTPReplySink.Tagged, any Error>,
        timeout: TimeAmount,
        epoch: SMTPReplySink.Epoch
    ) {
        self.channel = channel
        self.replies = replies.makeAsyncIterator()
        self.timeout = timeout
        self.epoch = epoch
    }

    /// Connects, reads the greeting, says EHLO, upgrades with STARTTLS and authenticates as
    /// configured.
    static func open(settings: SMTPSettings, tls: NIOSSLContext?) async throws -> SMTPSession {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: SMTPReplySink.Tagged.self)
        let epoch = SMTPReplySink.Epoch()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(SMTPReplyDecoder())
                        try channel.pipeline.syncOperations.addHandler(SMTPReplySink(continuation: continuation, epoch: epoch))
                    }
                }
                .connect(host: settings.host, port: settings.port)
                .get()
        } catch {
            throw SMTPError.connection("cannot connect to \(settings.host):\(settings.port): \(error)")
        }
        let session = SMTPSession(channel: channel, replies: stream, timeout: settings.timeout, epoch: epoch)
        do {
            try await session.start(settings: settings, tls: tls)
        } catch {
            await session.closeNow()
            throw error
        }
        return session
    }

    private func start(settings: SMTPSettings, tls: NIOSSLContext?) async throws {
        try await expect("greeting", 220)
        var extensions = try await ehlo(settings.clientName)
        if let tls {
            guard extensions.keys.contains("STARTTLS") else {
                throw SMTPError.configuration(
                    "\(settings.host) does not offer STARTTLS; set SMTP_STARTTLS=false only if the connection is private"
                )
            }
            try await command("STARTTLS", expecting: 220)
            let host = settings.host
            let isAddress = host.allSatisfy { $0.isNumber || $0 == "." } || host.contains(":")
            try await channel.eventLoop.submit { [channel, epoch] in
                // Anything the server sent in clear after its 220 (a STARTTLS injection) is
                // thrown away: the bytes not yet decoded go with the old decoder, and replies
                // already decoded belong to the old epoch, which the session skips.
                epoch.advance()
                let sync = channel.pipeline.syncOperations
                try sync.handler(type: SMTPReplyDecoder.self).reset()
                let handler = try NIOSSLClientHandler(context: tls, serverHostname: isAddress ? nil : host)
                try sync.addHandler(handler, position: .first)
            }.get()
            // Everything learnt before TLS is forgotten (RFC 3207): ask again.
            extensions = try await ehlo(settings.clientName)
        }
        if let username = settings.username, let password = settings.password {
            // A password is only sent in clear when SMTP_STARTTLS=false was chosen (and warned of).
            guard tls != nil || !settings.startTLS else {
                throw SMTPError.configuration("refusing to send the SMTP password over an unencrypted connection")
            }
            let mechanisms = Set((extensions["AUTH"] ?? "").uppercased().split(separator: " ").map(String.init))
            if mechanisms.contains("PLAIN") {
                let token = Data(("\u{0}" + username + "\u{0}" + password).utf8).base64EncodedString()
                try await command("AUTH PLAIN \(token)", expecting: 235, shown: "AUTH PLAIN")
            } else if mechanisms.contains("LOGIN") {
                try await command("AUTH LOGIN", expecting: 334)
                try await command(Data(username.utf8).base64EncodedString(), expecting: 334, shown: "AUTH LOGIN username")
                try await command(Data(password.utf8).base64EncodedString(), expecting: 235, shown: "AUTH LOGIN password")
            } else {
                throw SMTPError.configuration("\(settings.host) offers no AUTH PLAIN or LOGIN (it offers: \(extensions["AUTH"] ?? "none"))")
            }
        }
    }

    /// Hands one email over; returns once the server has accepted it (250 after the data).
    func deliver(from: String, to: String, text: String) async throws {
        do {
            do {
                try await command("MAIL FROM:<\(from)>", expecting: 250)
            } catch SMTPError.connection(let text) {
                throw SMTPError.stale(text)
            }
            try await command("RCPT TO:<\(to)>", expecting: 250, 251)
            try await command("DATA", expecting: 354)
            try await write(SMTPMailTransport.dotStuffed(text))
            try await expect("message data", 250)
        } catch let error as SMTPError {
            if case .refused = error {
                // Leave the connection ready for the next email.
                _ = try? await command("RSET", expecting: 250)
            }
            throw error
        }
    }

    func quit() async {
        _ = try? await command("QUIT", expecting: 221)
        await closeNow()
    }

    func closeNow() async {
        try? await channel.close()
    }

    private func ehlo(_ name: String) async throws -> [String: String] {
        let reply = try await command("EHLO \(name)", expecting: 250)
        var extensions: [String: String] = [:]
        for line in reply.lines.dropFirst() {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard let keyword = parts.first else { continue }
            extensions[keyword.uppercased()] = parts.count > 1 ? String(parts[1]) : ""
        }
        return extensions
    }

    @discardableResult
    private func command(_ line: String, expecting codes: Int..., shown: String? = nil) async throws -> SMTPReply {
        try await write(line + "\r\n")
        return try await expect(shown ?? line, codes)
    }

    @discardableResult
    private func expect(_ what: String, _ codes: Int...) async throws -> SMTPReply {
        try await expect(what, codes)
    }

    private func expect(_ what: String, _ codes: [Int]) async throws -> SMTPReply {
        let timeout = self.timeout
        let channel = self.channel
        // A server that stops answering must not hold the sender forever.
        let timer = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        defer { timer.cancel() }
        var reply: SMTPReply?
        do {
            // One command at a time: the iterator is copied out and back around the wait.
            var iterator = replies
            defer { replies = iterator }
            let current = epoch.value
            while let tagged = try await iterator.next(isolation: self) {
                // Replies from before STARTTLS are never answers to what we say after it.
                guard tagged.epoch == current else { continue }
                reply = tagged.reply
                break
            }
        } catch let error as SMTPError {
            throw error
        } catch {
            throw SMTPError.connection("\(what): \(error)")
        }
        guard let reply else { throw SMTPError.connection("\(what): the server closed the connection") }
        guard codes.contains(reply.code) else { throw SMTPError.refused(command: what, reply: reply) }
        return reply
    }

    private func write(_ text: String) async throws {
        do {
            try await channel.writeAndFlush(ByteBuffer(string: text))
        } catch {
            throw SMTPError.connection("write: \(error)")
        }
    }
}

/// Splits the server's bytes into replies: lines of `code text`, continued while the fourth
/// character is `-`. Used on the channel's event loop only.
final class SMTPReplyDecoder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = SMTPReply
    private var buffer: ByteBuffer?
    private var lines: [String] = []

    /// Forgets every byte and line not yet handed on (when TLS starts, nothing said in clear
    /// may be read as if it came through TLS).
    func reset() {
        buffer = nil
        lines = []
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if buffer == nil { buffer = incoming } else { buffer!.writeBuffer(&incoming) }
        do {
            while let reply = try nextReply() { context.fireChannelRead(wrapInboundOut(reply)) }
        } catch {
            context.fireErrorCaught(error)
        }
    }

    private func nextReply() throws -> SMTPReply? {
        while var current = buffer {
            guard let newline = current.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
                if current.readableBytes > 4096 { throw SMTPError.connection("reply line longer than 4096 bytes") }
                return nil
            }
            let length = newline - current.readerIndex + 1
            var bytes = current.readBytes(length: length) ?? []
            buffer = current.readableBytes > 0 ? current : nil
            // CR LF is one Character in Swift, so the line end is cut off as bytes.
            while let last = bytes.last, last == 10 || last == 13 { bytes.removeLast() }
            let line = String(decoding: bytes, as: UTF8.self)
            let characters = Array(line)
            guard characters.count >= 3, let code = Int(String(characters[0..<3])) else {
                throw SMTPError.connection("unreadable reply line: \(line.prefix(100))")
            }
            let more = characters.count > 3 && characters[3] == "-"
            lines.append(characters.count > 4 ? String(characters[4...]) : "")
            if !more {
                defer { lines = [] }
                return SMTPReply(code: code, lines: lines)
            }
        }
        return nil
    }
}

/// Hands replies to the session waiting for them, each tagged with the epoch (before or after
/// STARTTLS) it arrived in.
final class SMTPReplySink: ChannelInboundHandler, Sendable {
    typealias InboundIn = SMTPReply

    /// A reply and the epoch it arrived in.
    struct Tagged: Sendable {
        let epoch: Int
        let reply: SMTPReply
    }

    /// Moves on when TLS starts; shared by the sink (on the event loop) and the session.
    final class Epoch: Sendable {
        private let current = Mutex(0)
        var value: Int { current.withLock { $0 } }
        func advance() { current.withLock { $0 += 1 } }
    }

    let continuation: AsyncThrowingStream<Tagged, any Error>.Continuation
    let epoch: Epoch

    init(continuation: AsyncThrowingStream<Tagged, any Error>.Continuation, epoch: Epoch) {
        self.continuation = continuation
        self.epoch = epoch
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        continuation.yield(Tagged(epoch: epoch.value, reply: unwrapInboundIn(data)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish(throwing: SMTPError.connection("the server closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: SMTPError.connection("\(error)"))
        context.close(promise: nil)
    }
}
