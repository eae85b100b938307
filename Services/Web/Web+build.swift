import Foundation
import GRDB
import Hummingbird
import Logging
import Messages
import Messaging
import ServiceSupport
import Storage

/// Web: the front door for people. It owns users, memberships and sessions; everything else
/// comes from the four services' HTTP APIs, called with a short token for the signed-in person.
enum Web {
    /// The composition root; tests call it too.
    static func build(configuration: Configuration, dependencies: ServiceDependencies) async throws -> BuiltService {
        let signer = try await signer(configuration)
        let renderer = try await PageRenderer(directory: SiteFiles.templates)
        let oidc = configuration.oidc.map { OIDCClient(settings: $0, redirectURI: "\(configuration.common.publicBaseURL)/auth/callback") }
        if oidc == nil {
            dependencies.logger.warning("OIDC_ISSUER is not set: the development sign-in lets anyone on this machine sign in as any user")
        }
        let built = try await ServiceHost.build(
            configuration: configuration.common,
            dependencies: dependencies,
            parts: ServiceParts(
                migrations: { Migrations.register(in: &$0) },
                routes: { router, env in
                    let site = Site(
                        renderer: renderer,
                        sessions: SessionStore(database: env.database, now: env.now),
                        users: UserStore(database: env.database, outbox: env.outbox, now: env.now),
                        client: ServiceClient(urls: configuration.services, signer: signer),
                        configuration: configuration,
                        policy: SessionPolicy(idle: TimeInterval(configuration.sessionIdleMinutes * 60)),
                        logger: env.logger,
                        now: env.now
                    )
                    // Pages answer errors, including "no such page", with pages.
                    router.add(middleware: PageNotFoundMiddleware(site: site))
                    SignInRoutes(site: site, oidc: oidc).add(to: router)
                    SchoolRoutes(site: site).add(to: router)
                    ClaimJourneyRoutes(site: site).add(to: router)
                    UserRoutes(site: site).add(to: router)
                    SupportClaimRoutes(site: site).add(to: router)
                    SupportClaimPage(site: site).add(to: router)
                    SupportPaymentRoutes(site: site).add(to: router)
                    SupportAuditRoutes(site: site).add(to: router)
                    SupportReferenceRoutes(site: site).add(to: router)
                    SupportNotificationRoutes(site: site).add(to: router)
                    ProviderRoutes(site: site).add(to: router)
                },
                openAPI: try OpenAPIDocument.load(),
                // People asking a page with the wrong method get web's own page, with its
                // security headers.
                wrongMethod: .thrown
            )
        )
        try await bootstrapSupportUsers(configuration, database: built.database, dependencies: dependencies)
        return built
    }

    static func signer(_ configuration: Configuration) async throws -> TokenSigner {
        let auth = configuration.common.auth
        if let pem = configuration.signingKeyPEM {
            do { return try await TokenSigner(key: .ecPrivateKeyPEM(pem), issuer: auth.issuer, audience: auth.audience) } catch {
                throw ConfigurationError(variable: "WEB_SIGNING_KEY_FILE", message: "not a P-256 (ES256) private key")
            }
        }
        guard case .sharedSecret(let secret, _) = auth.keys else {
            throw ConfigurationError(variable: "WEB_SIGNING_KEY_FILE", message: "required when AUTH_JWT_PUBLIC_KEYS_FILE is set")
        }
        return try await TokenSigner(key: .sharedSecret(secret), issuer: auth.issuer, audience: auth.audience)
    }

    /// `WEB_BOOTSTRAP_SUPPORT_EMAILS`: the first support users, created at start when missing.
    static func bootstrapSupportUsers(_ configuration: Configuration, database: DatabasePool, dependencies: ServiceDependencies) async throws {
        guard !configuration.bootstrapSupportEmails.isEmpty else { return }
        let store = UserStore(
            database: database,
            outbox: Outbox(producer: ServiceName.web.rawValue, now: dependencies.now, wakeup: Wakeup()),
            now: dependencies.now
        )
        for email in configuration.bootstrapSupportEmails {
            let names = SupportNames.from(email: email)
            let (_, added) = try await store.addMembership(
                email: email,
                firstName: names.first,
                lastName: names.last,
                membership: .support,
                by: MembershipActor(id: "web", email: "WEB_BOOTSTRAP_SUPPORT_EMAILS")
            )
            if added { dependencies.logger.notice("added a support user from WEB_BOOTSTRAP_SUPPORT_EMAILS", metadata: ["email": "\(email)"]) }
        }
    }

    /// `EMAIL --first-name F --last-name L`, each nil when missing (two emails are none).
    static func supportArguments(_ arguments: [String]) -> (email: String?, first: String?, last: String?) {
        var email: String?
        var first: String?
        var last: String?
        var index = 0
        while index < arguments.count {
            switch arguments[index] {
            case "--first-name" where index + 1 < arguments.count:
                first = arguments[index + 1]
                index += 1
            case "--last-name" where index + 1 < arguments.count:
                last = arguments[index + 1]
                index += 1
            default:
                if email == nil {
                    email = arguments[index]
                } else {
                    email = nil
                    index = arguments.count
                }
            }
            index += 1
        }
        return (email, first, last)
    }

    /// `web users add-support EMAIL --first-name F --last-name L`.
    static func addSupportCommand(_ arguments: [String]) async -> Int32 {
        let (email, first, last) = supportArguments(arguments)
        guard let email, let first, let last, !first.isEmpty, !last.isEmpty else {
            FileHandle.standardError.write(Data("usage: web users add-support EMAIL --first-name F --last-name L\n".utf8))
            return 64
        }
        do {
            var environment = ProcessInfo.processInfo.environment
            environment["WEB_BOOTSTRAP_SUPPORT_EMAILS"] = nil
            let configuration = try Configuration.load(from: EnvironmentReader(environment))
            guard EmailAddressShape.isPlausible(email), SupportDomains(configuration.supportEmailDomains).allows(email) else {
                FileHandle.standardError.write(
                    Data(
                        "\(email) is not an email address in SUPPORT_EMAIL_DOMAINS (\(configuration.supportEmailDomains.joined(separator: ", ")))\n"
                            .utf8
                    )
                )
                return 65
            }
            var migrator = DatabaseMigrator()
            BusSchema.register(in: &migrator)
            Migrations.register(in: &migrator)
            let database = try ServiceDatabase.open(path: configuration.common.databasePath, migrator: migrator)
            let store = UserStore(
                database: database,
                outbox: Outbox(producer: ServiceName.web.rawValue, now: { Date() }, wakeup: Wakeup()),
                now: { Date() }
            )
            let (_, added) = try await store.addMembership(
                email: email,
                firstName: first,
                lastName: last,
                membership: .support,
                by: MembershipActor(id: "web", email: "command line")
            )
            print(added ? "\(email.lowercased()) is now a support user" : "\(email.lowercased()) was already a support user")
            return 0
        } catch {
            FileHandle.standardError.write(Data("cannot add the support user: \(error)\n".utf8))
            return 1
        }
    }
}

/// A first and last name guessed from `jo.bloggs@education.gov.uk` for bootstrap users
/// (they can be corrected by signing in through the identity provider later).
enum SupportNames {
    static func from(email: String) -> (first: String, last: String) {
        let local = email.split(separator: "@").first.map(String.init) ?? email
        let parts = local.split(whereSeparator: { $0 == "." || $0 == "_" || $0 == "-" }).map { $0.capitalized }
        return (parts.first ?? "Support", parts.count > 1 ? parts.dropFirst().joined(separator: " ") : "User")
    }
}

/// "No such page" as a page: the router's 404 and a wrong method's 405 pass through here too.
struct PageNotFoundMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext
    let site: Site

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError where error.status == .notFound || error.status == .methodNotAllowed {
            let record = SessionRecord(idHash: "", formToken: "", createdAt: Date(), lastSeenAt: Date())
            var response = try site.errorPage(error, request: request, record: record, user: nil)
            // A wrong method's page says which methods the page takes (RFC 9110).
            if let allow = (error as? HTTPError)?.headers[.allow] { response.headers[.allow] = allow }
            site.secure(&response)
            return response
        }
    }
}
