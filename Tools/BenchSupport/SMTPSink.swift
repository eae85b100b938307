import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A minimal SMTP server on 127.0.0.1 that accepts every message and counts them.
public final class SMTPSink: Sendable {
    let channel: any Channel
    /// The port it listens on.
    public let port: Int
    private let counter: Mutex<Int>
    private let log = Mutex<[Accepted]>([])

    /// One accepted message: its template header, the first claim reference in its text, and when.
    public struct Accepted: Sendable {
        public var template: String
        public var reference: String?
        public var at: Date
    }

    /// How many messages it accepted.
    public var count: Int { counter.withLock { $0 } }
    /// Every message accepted, in order.
    public var accepted: [Accepted] { log.withLock { $0 } }

    private init(channel: any Channel) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.counter = Mutex(0)
    }

    public static func start() async throws -> SMTPSink {
        let box = CounterBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(SinkHandler(box: box)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let sink = SMTPSink(channel: channel)
        box.set(sink)
        return sink
    }

    func record(_ accepted: Accepted) {
        counter.withLock { $0 += 1 }
        log.withLock { $0.append(accepted) }
    }

    /// Stops listening.
    public func stop() async throws { try await channel.close() }
}

/// Hands the sink to connection handlers created before it existed.
final class CounterBox: Sendable {
    private let sink = Mutex<SMTPSink?>(nil)
    func set(_ value: SMTPSink) { sink.withLock { $0 = value } }
    func record(_ accepted: SMTPSink.Accepted) { sink.withLock { $0 }?.record(accepted) }
}

final class SinkHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let box: CounterBox
    private var pending: [UInt8] = []
    private var inData = false
    private var template = ""
    private var reference: String?

    init(box: CounterBox) { self.box = box }

    func channelActive(context: ChannelHandlerContext) {
        reply(context, "220 bench ESMTP")
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        // Lines are read by index and the consumed prefix dropped once, so a large message costs
        // its length, not its length times its lines.
        var start = 0
        defer { pending.removeFirst(start) }
        while let end = pending[start...].firstIndex(of: 10) {
            var stop = end
            if stop > start, pending[stop - 1] == 13 { stop -= 1 }
            let line = String(decoding: pending[start..<stop], as: UTF8.self)
            start = end + 1
            if inData {
                if line == "." {
                    inData = false
                    box.record(SMTPSink.Accepted(template: template, reference: reference, at: Date()))
                    template = ""
                    reference = nil
                    reply(context, "250 OK")
                } else if line.hasPrefix("X-Mentor-Claims-Template: ") {
                    template = String(line.dropFirst("X-Mentor-Claims-Template: ".count))
                } else if reference == nil, let range = line.range(of: "claim ") {
                    let digits = line[range.upperBound...].prefix(8)
                    if digits.count == 8, digits.allSatisfy(\.isNumber) { reference = String(digits) }
                }
                continue
            }
            let verb = line.prefix(4).uppercased()
            switch verb {
            case "EHLO", "HELO": reply(context, "250 bench")
            case "DATA":
                inData = true
                reply(context, "354 go ahead")
            case "QUIT":
                reply(context, "221 bye")
                context.close(promise: nil)
            default: reply(context, "250 OK")
            }
        }
    }

    private func reply(_ context: ChannelHandlerContext, _ text: String) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text + "\r\n")), promise: nil)
    }
}
