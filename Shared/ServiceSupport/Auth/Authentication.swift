import Foundation
import JWTKit

/// How bearer tokens are verified.
public struct AuthConfiguration: Sendable {
    /// Where the verification keys come from.
    public enum Keys: Sendable, Equatable {
        /// HS256 with a shared secret (`AUTH_JWT_SECRET`).
        case sharedSecret(String, isDevelopmentDefault: Bool)
        /// RS256/ES256 public keys, as PEM or JWKS text (`AUTH_JWT_PUBLIC_KEYS_FILE`).
        case publicKeys(String)
    }
    /// The keys.
    public var keys: Keys
    /// `AUTH_JWT_ISSUER`: the required `iss`, when set.
    public var issuer: String?
    /// `AUTH_JWT_AUDIENCE`: the required `aud`, when set.
    public var audience: String?

    /// Creates a configuration.
    public init(keys: Keys, issuer: String? = nil, audience: String? = nil) {
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
    }

    static func load(from env: EnvironmentReader) throws -> AuthConfiguration {
        let keys: Keys
        if let file = env.raw("AUTH_JWT_PUBLIC_KEYS_FILE") {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8), !text.isEmpty else {
                throw ConfigurationError(variable: "AUTH_JWT_PUBLIC_KEYS_FILE", message: "cannot read \(file)")
            }
            keys = .publicKeys(text)
        } else if let secret = env.raw("AUTH_JWT_SECRET") {
            guard secret.utf8.count >= 32 else {
                throw ConfigurationError(variable: "AUTH_JWT_SECRET", message: "use at least 32 characters")
            }
            keys = .sharedSecret(secret, isDevelopmentDefault: false)
        } else {
            keys = .sharedSecret(developmentJWTSecret, isDevelopmentDefault: true)
        }
        return AuthConfiguration(keys: keys, issuer: env.raw("AUTH_JWT_ISSUER"), audience: env.raw("AUTH_JWT_AUDIENCE"))
    }
}

/// The kinds of user (`role` claim).
public enum Role: String, Sendable, Codable, CaseIterable {
    /// A school administrator or mentor; a MAT user has several URNs.
    case school
    /// An accredited ITT provider's user.
    case provider
    /// A DfE support user.
    case support
}

/// Who is asking, from a verified token.
public struct AuthenticatedUser: Sendable, Equatable {
    /// `sub`: the user's id at the identity provider.
    public var id: String
    /// `email`.
    public var email: String
    /// `name`.
    public var name: String
    /// `role`.
    public var role: Role
    /// `urns`: the schools of a school user.
    public var urns: Set<Int>
    /// `provider_codes`: the providers of a provider user.
    public var providerCodes: Set<String>

    /// Creates a user.
    public init(id: String, email: String, name: String, role: Role, urns: Set<Int> = [], providerCodes: Set<String> = []) {
        self.id = id
        self.email = email
        self.name = name
        self.role = role
        self.urns = urns
        self.providerCodes = providerCodes
    }
}

/// The token's claims as the identity provider writes them.
struct UserClaims: JWTPayload {
    var sub: SubjectClaim
    var email: String?
    var name: String?
    var role: String
    var urns: [Int]?
    var providerCodes: [String]?
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var iat: IssuedAtClaim?
    var iss: IssuerClaim?
    var aud: AudienceClaim?

    enum CodingKeys: String, CodingKey {
        case sub, email, name, role, urns, exp, nbf, iat, iss, aud
        case providerCodes = "provider_codes"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf?.verifyNotBefore()
        // A token issued more than a minute in the future is forged or from a broken clock.
        if let iat, iat.value > Date().addingTimeInterval(60) {
            throw JWTError.claimVerificationFailure(failedClaim: iat, reason: "issued in the future")
        }
    }
}

/// Why a token was refused (always answered with 401; the reason goes to the log only).
public struct AuthenticationFailure: Error, CustomStringConvertible, Equatable {
    /// What was wrong.
    public var reason: String
    public var description: String { reason }
}

/// Verifies bearer tokens into ``AuthenticatedUser`` values.
public struct TokenVerifier: Sendable {
    private let keys: JWTKeyCollection
    private let issuer: String?
    private let audience: String?

    /// Builds the key collection from `configuration`.
    public init(configuration: AuthConfiguration) async throws {
        let keys = JWTKeyCollection()
        switch configuration.keys {
        case .sharedSecret(let secret, _):
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        case .publicKeys(let text):
            try await Self.addPublicKeys(text, to: keys)
        }
        self.keys = keys
        self.issuer = configuration.issuer
        self.audience = configuration.audience
    }

    private static func addPublicKeys(_ text: String, to keys: JWTKeyCollection) async throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{") {
            do { try await keys.add(jwksJSON: trimmed) } catch {
                throw ConfigurationError(variable: "AUTH_JWT_PUBLIC_KEYS_FILE", message: "not a valid JWKS document: \(error)")
            }
            return
        }
        // One or more PEM public keys, RSA or P-256.
        let blocks = trimmed.components(separatedBy: "-----END PUBLIC KEY-----")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
            .map { $0 + "\n-----END PUBLIC KEY-----\n" }
        guard !blocks.isEmpty else {
            throw ConfigurationError(variable: "AUTH_JWT_PUBLIC_KEYS_FILE", message: "holds no PEM public key or JWKS")
        }
        for (index, pem) in blocks.enumerated() {
            let kid = JWKIdentifier(string: "key-\(index)")
            if let rsa = try? Insecure.RSA.PublicKey(pem: pem) {
                await keys.add(rsa: rsa, digestAlgorithm: .sha256, kid: kid)
            } else if let ec = try? ES256PublicKey(pem: pem) {
                await keys.add(ecdsa: ec, kid: kid)
            } else {
                throw ConfigurationError(
                    variable: "AUTH_JWT_PUBLIC_KEYS_FILE", message: "key \(index + 1) is neither an RSA (2048+ bits) nor a P-256 public key")
            }
        }
    }

    /// Verifies `token` (signature, `exp`, `nbf`, `iat`, and `iss`/`aud` when configured).
    public func verify(_ token: String) async throws -> AuthenticatedUser {
        let claims: UserClaims
        do {
            claims = try await keys.verify(token, as: UserClaims.self, iteratingKeys: true)
        } catch {
            throw AuthenticationFailure(reason: "token refused: \(error)")
        }
        if let issuer, claims.iss?.value != issuer {
            throw AuthenticationFailure(reason: "token issuer is not \(issuer)")
        }
        if let audience {
            guard let aud = claims.aud, aud.value.contains(audience) else {
                throw AuthenticationFailure(reason: "token audience does not include \(audience)")
            }
        }
        guard let role = Role(rawValue: claims.role) else {
            throw AuthenticationFailure(reason: "unknown role \(claims.role)")
        }
        return AuthenticatedUser(
            id: claims.sub.value, email: claims.email ?? "", name: claims.name ?? "", role: role,
            urns: Set(claims.urns ?? []), providerCodes: Set(claims.providerCodes ?? []))
    }
}

/// Signs development tokens with the HS256 secret (the `token` subcommand and tests).
public enum DevelopmentToken {
    /// A signed token for `user` that expires after `lifetime` seconds.
    public static func make(
        user: AuthenticatedUser, secret: String, lifetime: TimeInterval = 8 * 3600, now: Date = Date(),
        issuer: String? = nil, audience: String? = nil
    ) async throws -> String {
        // Whole seconds, as identity providers write NumericDate claims.
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let claims = UserClaims(
            sub: SubjectClaim(value: user.id), email: user.email, name: user.name, role: user.role.rawValue,
            urns: user.urns.isEmpty ? nil : user.urns.sorted(),
            providerCodes: user.providerCodes.isEmpty ? nil : user.providerCodes.sorted(),
            exp: ExpirationClaim(value: now.addingTimeInterval(lifetime)), nbf: nil, iat: IssuedAtClaim(value: now),
            iss: issuer.map { IssuerClaim(value: $0) }, aud: audience.map { AudienceClaim(value: [$0]) })
        return try await keys.sign(claims)
    }
}
