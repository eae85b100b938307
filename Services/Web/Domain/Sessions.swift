import Crypto
import Foundation

/// When a sign-in session ends: after `idle` without a request, after 12 hours in any case.
struct SessionPolicy: Sendable {
    /// `SESSION_IDLE_MINUTES`, in seconds.
    var idle: TimeInterval
    /// However active, a session lasts at most this long from sign-in.
    var absolute: TimeInterval = 12 * 3600

    /// What a request finds its session to be.
    enum Verdict: Equatable {
        /// Signed in and current.
        case active
        /// Never signed in (a visitor, or someone half-way through signing in).
        case anonymous
        /// Was signed in, but has timed out: the person sees "You have been signed out".
        case expired
    }

    func verdict(signedInAt: Date?, lastSeenAt: Date, now: Date) -> Verdict {
        guard let signedInAt else { return now.timeIntervalSince(lastSeenAt) > absolute ? .expired : .anonymous }
        if now.timeIntervalSince(lastSeenAt) > idle || now.timeIntervalSince(signedInAt) > absolute { return .expired }
        return .active
    }
}

/// Random values and their hashes: session ids, form tokens, OIDC state, nonce and PKCE.
enum Secrets {
    /// 32 random bytes, base64url without padding.
    static func random() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = UInt8.random(in: .min ... .max, using: &generator) }
        return base64URL(Data(bytes))
    }

    /// The hash under which a session id is stored, so that a copy of the database opens no session.
    static func hash(_ value: String) -> String {
        SHA256.hash(data: Data(value.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The PKCE S256 challenge of `verifier` (RFC 7636).
    static func challenge(for verifier: String) -> String {
        base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Compares two secrets in time that does not depend on where they differ.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
