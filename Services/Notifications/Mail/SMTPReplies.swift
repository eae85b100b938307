import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

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
