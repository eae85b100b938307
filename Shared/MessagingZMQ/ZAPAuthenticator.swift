import CZeroMQ
import Foundation
import Synchronization

/// A ZAP handler (RFC 27) that accepts CurveZMQ clients whose public key is on the allow list.
/// It owns its REP socket on its own thread, as every socket here has one owner.
final class ZAPAuthenticator: Sendable {
    /// The ZAP domain the bus sockets use (enforced, so a missing domain is refused too).
    static let domain = "mentor-claims-bus"

    private let stopFlag = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(context: ZMQContext, allowedKeys: Set<String>) throws {
        let started = DispatchSemaphore(value: 0)
        let startError = Mutex<ZMQError?>(nil)
        let thread = Thread { [self] in
            defer { finished.signal() }
            let socket: ZMQSocket
            do {
                socket = try ZMQSocket(context: context, type: .reply)
                try socket.set(ZMQOption.linger, 0)
                try socket.bind("inproc://zeromq.zap.01")
            } catch {
                startError.withLock { $0 = error as? ZMQError ?? ZMQError("zap start") }
                started.signal()
                return
            }
            started.signal()
            while !stopFlag.load(ordering: .acquiring) {
                guard let ready = try? ZMQPoller.poll([.socket(socket)], timeoutMilliseconds: 200), ready[0],
                    let request = try? socket.receive(dontWait: true)
                else { continue }
                let reply = Self.answer(request, allowedKeys: allowedKeys)
                _ = try? socket.send(reply)
            }
            socket.close(lingerMilliseconds: 0)
        }
        thread.name = "bus-zap"
        thread.start()
        started.wait()
        if let error = startError.withLock({ $0 }) { throw error }
    }

    /// Builds the ZAP reply for one request.
    static func answer(_ request: [[UInt8]], allowedKeys: Set<String>) -> [[UInt8]] {
        let version = request.count > 0 ? request[0] : Array("1.0".utf8)
        let requestID = request.count > 1 ? request[1] : []
        func reply(_ code: String, _ text: String, user: String = "") -> [[UInt8]] {
            [version, requestID, Array(code.utf8), Array(text.utf8), Array(user.utf8), []]
        }
        guard request.count >= 7, String(decoding: request[0], as: UTF8.self) == "1.0" else {
            return reply("400", "malformed ZAP request")
        }
        let domain = String(decoding: request[2], as: UTF8.self)
        let mechanism = String(decoding: request[5], as: UTF8.self)
        guard domain == Self.domain else { return reply("400", "unknown domain") }
        guard mechanism == "CURVE", request[6].count == 32 else { return reply("400", "CURVE required") }
        var z85 = [CChar](repeating: 0, count: 41)
        let encoded = request[6].withUnsafeBufferPointer { zmq_z85_encode(&z85, $0.baseAddress, 32) }
        guard encoded != nil else { return reply("400", "bad key") }
        let key = String(decoding: z85.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard allowedKeys.contains(key) else { return reply("400", "key not allowed") }
        return reply("200", "OK", user: key)
    }

    /// Stops the handler thread and waits for it.
    func stop() {
        guard !stopFlag.exchange(true, ordering: .acquiringAndReleasing) else { return }
        finished.wait()
    }
}

/// Test access to the ZAP decision and Z85, without a socket.
public enum ZMQCurveTestSupport {
    /// The status code the ZAP handler answers `request` with.
    public static func answer(_ request: [[UInt8]], allowed: Set<String>) -> String {
        String(decoding: ZAPAuthenticator.answer(request, allowedKeys: allowed)[2], as: UTF8.self)
    }

    /// The 32 raw bytes of a Z85 key.
    public static func decode(_ key: String) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        guard zmq_z85_decode(&out, key) != nil else { throw ZMQError("zmq_z85_decode") }
        return out
    }
}
