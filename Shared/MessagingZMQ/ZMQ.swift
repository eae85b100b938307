import CZeroMQ
import Foundation
import Synchronization

/// A libzmq failure, with the library's own message.
public struct ZMQError: Error, CustomStringConvertible, Equatable {
    /// The `errno` value libzmq reported.
    public let code: Int32
    /// What was being done when it failed.
    public let operation: String

    /// Captures `zmq_errno()` for `operation`.
    init(_ operation: String) {
        self.code = zmq_errno()
        self.operation = operation
    }

    public var description: String {
        "\(operation): \(String(cString: zmq_strerror(code))) (errno \(code))"
    }

    /// True when the call was interrupted or would block, which callers retry rather than report.
    var isTransient: Bool { code == EAGAIN || code == EINTR }
}

/// A ZeroMQ context. One per process part that owns sockets; terminated exactly once.
///
/// libzmq contexts are thread-safe (its documentation says so), and the only mutable state here,
/// whether it has been terminated, is guarded by a `Mutex`, hence `@unchecked Sendable`.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    private let terminated = Mutex(false)

    /// Creates a context with libzmq's default I/O threads.
    public init() throws {
        guard let handle = zmq_ctx_new() else { throw ZMQError("zmq_ctx_new") }
        self.handle = handle
    }

    /// Terminates the context. Blocks until every socket of it is closed (they use a linger).
    public func terminate() {
        let shouldTerminate = terminated.withLock { done -> Bool in
            if done { return false }
            done = true
            return true
        }
        guard shouldTerminate else { return }
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    deinit { terminate() }
}

/// The socket types the bus uses.
public enum ZMQSocketType: Sendable {
    case publisher, subscriber, router, dealer, reply

    var raw: Int32 {
        switch self {
        case .publisher: return ZMQ_PUB
        case .subscriber: return ZMQ_SUB
        case .router: return ZMQ_ROUTER
        case .dealer: return ZMQ_DEALER
        case .reply: return ZMQ_REP
        }
    }
}

/// A ZeroMQ socket. Not thread-safe: it has one owner thread, which creates, uses and closes it.
public final class ZMQSocket {
    let handle: UnsafeMutableRawPointer
    private var closed = false

    /// Opens a socket of `type` in `context`.
    public init(context: ZMQContext, type: ZMQSocketType) throws {
        guard let handle = zmq_socket(context.handle, type.raw) else { throw ZMQError("zmq_socket") }
        self.handle = handle
    }

    /// Sets an integer option (`ZMQ_LINGER`, `ZMQ_SNDHWM`, `ZMQ_RCVHWM`, `ZMQ_RECONNECT_IVL`…).
    public func set(_ option: Int32, _ value: Int32) throws {
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int32>.size) == 0 else {
            throw ZMQError("zmq_setsockopt(\(option))")
        }
    }

    /// Sets a 64-bit integer option (`ZMQ_MAXMSGSIZE`).
    public func set(_ option: Int32, int64 value: Int64) throws {
        var value = value
        guard zmq_setsockopt(handle, option, &value, MemoryLayout<Int64>.size) == 0 else {
            throw ZMQError("zmq_setsockopt(\(option))")
        }
    }

    /// Sets a byte-string option (`ZMQ_SUBSCRIBE`, CurveZMQ keys, `ZMQ_ZAP_DOMAIN`).
    public func set(_ option: Int32, bytes: [UInt8]) throws {
        let result = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        guard result == 0 else { throw ZMQError("zmq_setsockopt(\(option))") }
    }

    /// Binds to `endpoint`, e.g. `tcp://127.0.0.1:5551`.
    public func bind(_ endpoint: String) throws {
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError("zmq_bind(\(endpoint))") }
    }

    /// Connects to `endpoint`; libzmq reconnects by itself when the peer goes away.
    public func connect(_ endpoint: String) throws {
        guard zmq_connect(handle, endpoint) == 0 else { throw ZMQError("zmq_connect(\(endpoint))") }
    }

    /// The endpoint actually bound (useful after binding port 0 as `tcp://127.0.0.1:*`).
    public func lastEndpoint() throws -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        var size = buffer.count
        guard zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else {
            throw ZMQError("zmq_getsockopt(ZMQ_LAST_ENDPOINT)")
        }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Sends `frames` as one multipart message. Returns false when `dontWait` is set and the
    /// message could not be queued (a full high-water mark on a socket that blocks).
    @discardableResult
    public func send(_ frames: [[UInt8]], dontWait: Bool = false) throws -> Bool {
        for (index, frame) in frames.enumerated() {
            var flags: Int32 = index < frames.count - 1 ? ZMQ_SNDMORE : 0
            if dontWait { flags |= ZMQ_DONTWAIT }
            while true {
                let rc = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
                if rc >= 0 { break }
                let error = ZMQError("zmq_send")
                if error.code == EINTR { continue }
                if error.code == EAGAIN && dontWait && index == 0 { return false }
                throw error
            }
        }
        return true
    }

    /// Receives one whole multipart message, or nil when none is waiting (`dontWait`) or the
    /// call was interrupted.
    public func receive(dontWait: Bool = true) throws -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        while true {
            let rc = zmq_msg_recv(&message, handle, dontWait ? ZMQ_DONTWAIT : 0)
            if rc < 0 {
                let error = ZMQError("zmq_msg_recv")
                if error.isTransient && frames.isEmpty { return nil }
                if error.isTransient { continue }  // the rest of a multipart message is already here
                throw error
            }
            let size = zmq_msg_size(&message)
            if let data = zmq_msg_data(&message) {
                frames.append(Array(UnsafeRawBufferPointer(start: data, count: size)))
            } else {
                frames.append([])
            }
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }

    /// Closes the socket with `lingerMilliseconds` for queued outgoing messages.
    public func close(lingerMilliseconds: Int32 = 1000) {
        guard !closed else { return }
        closed = true
        var linger = lingerMilliseconds
        zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
        zmq_close(handle)
    }

    deinit { close() }
}

/// One thing to wait on in ``ZMQPoller/poll(_:timeoutMilliseconds:)``: a socket or a plain file
/// descriptor (an eventfd that other threads use to wake the owner).
public enum ZMQPollTarget {
    case socket(ZMQSocket)
    case fileDescriptor(Int32)
}

/// Waits on sockets and file descriptors with `zmq_poll`.
public enum ZMQPoller {
    /// Returns, for each target, whether it is readable. An interrupted wait returns all false.
    public static func poll(_ targets: [ZMQPollTarget], timeoutMilliseconds: Int) throws -> [Bool] {
        var items = targets.map { target -> zmq_pollitem_t in
            switch target {
            case .socket(let socket):
                return zmq_pollitem_t(socket: socket.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0)
            case .fileDescriptor(let fd):
                return zmq_pollitem_t(socket: nil, fd: fd, events: Int16(ZMQ_POLLIN), revents: 0)
            }
        }
        let rc = zmq_poll(&items, Int32(items.count), timeoutMilliseconds)
        if rc < 0 {
            let error = ZMQError("zmq_poll")
            if error.code == EINTR { return Array(repeating: false, count: targets.count) }
            throw error
        }
        return items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    }
}

/// CurveZMQ key helpers.
public enum ZMQCurve {
    /// Derives the Z85 public key from a Z85 secret key.
    public static func publicKey(fromSecret secret: String) throws -> String {
        var out = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&out, secret) == 0 else { throw ZMQError("zmq_curve_public") }
        return String(decoding: out.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A new Z85 key pair.
    public static func keyPair() throws -> (publicKey: String, secretKey: String) {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicKey, &secretKey) == 0 else { throw ZMQError("zmq_curve_keypair") }
        func text(_ chars: [CChar]) -> String {
            String(decoding: chars.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return (text(publicKey), text(secretKey))
    }
}

/// Option numbers re-exported so callers need not import the C module.
public enum ZMQOption {
    public static let linger = ZMQ_LINGER
    public static let sendHighWaterMark = ZMQ_SNDHWM
    public static let receiveHighWaterMark = ZMQ_RCVHWM
    public static let maxMessageSize = ZMQ_MAXMSGSIZE
    public static let reconnectInterval = ZMQ_RECONNECT_IVL
    public static let reconnectIntervalMax = ZMQ_RECONNECT_IVL_MAX
    public static let subscribe = ZMQ_SUBSCRIBE
    public static let routerMandatory = ZMQ_ROUTER_MANDATORY
    public static let curveServer = ZMQ_CURVE_SERVER
    public static let curveSecretKey = ZMQ_CURVE_SECRETKEY
    public static let curvePublicKey = ZMQ_CURVE_PUBLICKEY
    public static let curveServerKey = ZMQ_CURVE_SERVERKEY
    public static let zapDomain = ZMQ_ZAP_DOMAIN
    public static let sendTimeout = ZMQ_SNDTIMEO
    public static let immediate = ZMQ_IMMEDIATE
}
