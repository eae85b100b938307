import Foundation
import JWTKit

/// Signs the short-lived tokens with which `web` calls the services for a signed-in person:
/// HS256 with `AUTH_JWT_SECRET`, or ES256 with a P-256 private key (`WEB_SIGNING_KEY_FILE`)
/// whose public key the services are given in `AUTH_JWT_PUBLIC_KEYS_FILE`.
public struct TokenSigner: Sendable {
    /// The key tokens are signed with.
    public enum Key: Sendable {
        /// A shared HS256 secret.
        case sharedSecret(String)
        /// An ES256 private key, PEM.
        case ecPrivateKeyPEM(String)
    }

    private let keys: JWTKeyCollection
    private let issuer: String?
    private let audience: String?

    /// Loads `key`; a PEM that is not a P-256 private key is refused.
    public init(key: Key, issuer: String? = nil, audience: String? = nil) async throws {
        let keys = JWTKeyCollection()
        switch key {
        case .sharedSecret(let secret):
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        case .ecPrivateKeyPEM(let pem):
            let privateKey = try ES256PrivateKey(pem: pem)
            // `key-0` is the id the services give the first PEM key of AUTH_JWT_PUBLIC_KEYS_FILE.
            await keys.add(ecdsa: privateKey, kid: JWKIdentifier(string: "key-0"))
        }
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
    }

    /// A token for `user` that expires after `lifetime` seconds.
    public func sign(_ user: AuthenticatedUser, lifetime: TimeInterval, now: Date = Date()) async throws -> String {
        // Whole seconds, as identity providers write NumericDate claims.
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let claims = UserClaims(
            sub: SubjectClaim(value: user.id),
            email: user.email,
            name: user.name,
            role: user.role.rawValue,
            urns: user.urns.isEmpty ? nil : user.urns.sorted(),
            providerCodes: user.providerCodes.isEmpty ? nil : user.providerCodes.sorted(),
            exp: ExpirationClaim(value: now.addingTimeInterval(lifetime)),
            nbf: nil,
            iat: IssuedAtClaim(value: now),
            iss: issuer.map { IssuerClaim(value: $0) },
            aud: audience.map { AudienceClaim(value: [$0]) }
        )
        return try await keys.sign(claims)
    }
}
