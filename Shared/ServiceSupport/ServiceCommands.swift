import ArgumentParser
import Foundation

/// `<service> token`: prints a development bearer token signed with `AUTH_JWT_SECRET` (or the
/// development secret), e.g. `claims-intake token --role school --urn 100001 --email head@school.example`.
public struct TokenCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print a development bearer token signed with AUTH_JWT_SECRET."
    )

    @Option(help: "school, provider or support.") var role: String
    @Option(help: "A school's URN (repeat for a MAT user).") var urn: [Int] = []
    @Option(name: .customLong("provider-code"), help: "A provider's code (repeat for several).") var providerCode: [String] = []
    @Option(help: "The user's email address.") var email: String?
    @Option(help: "The user's name.") var name: String?
    @Option(help: "The user's id (sub).") var sub: String?
    @Option(name: .customLong("expires-in"), help: "Lifetime in seconds.") var expiresIn: Int = 8 * 3600

    public init() {}

    public func validate() throws {
        guard let role = Role(rawValue: role) else { throw ValidationError("--role must be school, provider or support") }
        if role == .school && urn.isEmpty { throw ValidationError("a school user needs at least one --urn") }
        if role == .provider && providerCode.isEmpty { throw ValidationError("a provider user needs at least one --provider-code") }
        guard (1...TokenVerifier.maximumLifetime).contains(expiresIn) else {
            throw ValidationError("--expires-in must be from 1 to \(TokenVerifier.maximumLifetime) seconds (12 hours)")
        }
    }

    public func run() async throws {
        let env = EnvironmentReader()
        try env.checkNoneBlank(["AUTH_JWT_SECRET", "AUTH_JWT_ISSUER", "AUTH_JWT_AUDIENCE"])
        let auth = try AuthConfiguration.load(from: env, httpHost: env.string("HTTP_HOST", default: "127.0.0.1"))
        guard case .sharedSecret(let secret, _) = auth.keys else {
            throw ValidationError("tokens can only be made with AUTH_JWT_SECRET (HS256), not with public keys")
        }
        let role = Role(rawValue: role)!
        let email = self.email ?? "\(role.rawValue)@example.invalid"
        let user = AuthenticatedUser(
            id: sub ?? "dev-\(role.rawValue)-\(email)",
            email: email,
            name: name ?? "Development \(role.rawValue) user",
            role: role,
            urns: Set(urn),
            providerCodes: Set(providerCode)
        )
        let token = try await DevelopmentToken.make(
            user: user,
            secret: secret,
            lifetime: TimeInterval(expiresIn),
            issuer: auth.issuer,
            audience: auth.audience
        )
        print(token)
    }
}
