import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

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
