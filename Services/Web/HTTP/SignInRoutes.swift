import Foundation
import HTTPTypes
import Hummingbird
import ServiceSupport

/// The start page, signing in and out, choosing an organisation, the footer's pages, the
/// stylesheet and the email links.
struct SignInRoutes {
    let site: Site
    let oidc: OIDCClient?

    func add(to router: Router<ServiceRequestContext>) {
        site.on(router, .get, "/", access: .anyone) { try await startPage($0) }
        site.on(router, .get, "/sign-in", access: .anyone) { try await signInPage($0, errors: PageErrors(), email: nil) }
        site.on(router, .post, "/sign-in", access: .anyone) { try await signIn($0) }
        site.on(router, .get, "/auth/callback", access: .anyone) { try await callback($0) }
        site.on(router, .get, "/sign-out", access: .anyone) { try await signOut($0) }
        site.on(router, .get, "/organisations") { try await organisations($0) }
        site.on(router, .get, "/claims/:reference") { try await claimLink($0) }
        for (path, template, title) in [
            ("/accessibility", "accessibility", "Accessibility statement"), ("/cookies", "cookies", "Cookies"),
            ("/privacy", "privacy", "Privacy notice"),
        ] {
            site.on(router, .get, RouterPath(path), access: .anyone) { _ in .page(template, ["title": title]) }
        }
        router.get("/assets/:file") { _, context in try asset(context) }
    }

    // MARK: Start page

    func startPage(_ request: PageRequest) async throws -> PageResult {
        let visitor = Actors.visitor
        // The start page is shown even when claims-intake does not answer, without what it could not
        // read (and without claiming that no window is open).
        var window: WindowAPI?
        var rates: RatesAPI?
        var unavailable = false
        do {
            window = try await found { try await site.client.currentWindow(as: visitor) }
            let year = window?.academicYear ?? academicYear(of: site.now())
            rates = try await found { try await site.client.rates(year, as: visitor) }
        } catch {
            site.logger.warning("the start page could not read the window or rates", metadata: ["error": "\(error)"])
            unavailable = true
        }
        let year = window?.academicYear ?? academicYear(of: site.now())
        var values: [String: Any] = ["title": Site.serviceName, "academicYear": Presentation.academicYear(year)]
        if unavailable { values["referenceDataUnavailable"] = true }
        if let window {
            values["window"] = [
                "closesOn": Presentation.date(window.closesOn), "opensOn": Presentation.date(window.opensOn),
                "daysLeft": window.daysLeft.map { $0 == 1 ? "1 day" : "\($0) days" } ?? "",
            ]
        }
        if let rates {
            values["rates"] = RateRows.make(rates)
            values["hasRates"] = true
            values["initialHours"] = rates.initialHours
            values["refresherHours"] = rates.refresherHours
        }
        if let user = request.user {
            values["startHref"] = user.memberships.count == 1 ? Self.home(of: user.memberships[0]) : "/organisations"
        } else {
            values["startHref"] = "/sign-in"
        }
        return .page("start", values)
    }

    // MARK: Signing in

    func signInPage(_ request: PageRequest, errors: PageErrors, email: String?) async throws -> PageResult {
        if request.user != nil { return .redirect("/organisations") }
        // The button is a link, not a form: a form's redirect to the identity provider would be
        // refused by `form-action 'self'`. Starting a sign-in changes nothing but this session.
        if oidc != nil, request.query("with") == "dfe-sign-in" { return try await startSignIn(request) }
        var values: [String: Any] = ["title": "Sign in"]
        if oidc == nil {
            values["development"] = true
            let users = try await site.users.database.read { try UserStore.all($0, limit: 50) }
            let demo = users.filter { !$0.memberships.isEmpty }.map { user -> [String: Any] in
                ["email": user.email, "name": user.name, "what": user.memberships.map(\.organisationName).joined(separator: ", ")]
            }
            values["demoUsers"] = demo
            values["hasDemoUsers"] = !demo.isEmpty
            values["email"] = email ?? ""
        }
        values.merge(errors.context) { $1 }
        if !errors.isEmpty { values["title"] = "Error: Sign in" }
        return .page("sign-in", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func signIn(_ request: PageRequest) async throws -> PageResult {
        if oidc != nil { return try await startSignIn(request) }
        return try await developmentSignIn(request)
    }

    /// Production: off to the identity provider, with state, nonce and a PKCE challenge.
    func startSignIn(_ request: PageRequest) async throws -> PageResult {
        if let oidc {
            let state = Secrets.random()
            let nonce = Secrets.random()
            let verifier = Secrets.random()
            try await site.sessions.setPending(request.session, state: state, nonce: nonce, verifier: verifier)
            let location: String
            do { location = try await oidc.authorizationURL(state: state, nonce: nonce, challenge: Secrets.challenge(for: verifier)) } catch {
                site.logger.error("sign-in could not start", metadata: ["reason": "\(error)"])
                throw ServiceCallError.unavailable("identity provider: \(error)")
            }
            return .redirect(location)
        }
        throw PageError.notFound
    }

    func developmentSignIn(_ request: PageRequest) async throws -> PageResult {
        var errors = PageErrors()
        guard let email = request.form["email"], EmailAddressShape.isPlausible(email) else {
            errors.add("email", "Enter an email address in the correct format, like name@example.com")
            return try await signInPage(request, errors: errors, email: request.form["email"])
        }
        guard let user = try await site.users.database.read({ try UserStore.user($0, email: email) }), !user.memberships.isEmpty else {
            errors.add("email", "Nobody with that email address has been added to the service")
            return try await signInPage(request, errors: errors, email: email)
        }
        return try await complete(request, user: user, subject: nil, idToken: nil)
    }

    /// Signed in: a new session id (the old one is gone), then the page they asked for.
    func complete(_ request: PageRequest, user: User, subject: String?, idToken: String?) async throws -> PageResult {
        try await site.users.signedIn(userID: user.id, subject: subject)
        let (id, _) = try await site.sessions.create(carrying: request.session, userID: user.id, idToken: idToken)
        let destination =
            Site.safeReturn(request.session.returnTo) ?? (user.memberships.count == 1 ? Self.home(of: user.memberships[0]) : "/organisations")
        var response = site.redirect(destination)
        response.headers.append(HTTPField(name: .setCookie, value: site.sessionCookie(id)))
        site.logger.info("signed in", metadata: ["user": "\(user.id)"])
        return .response(response)
    }

    func callback(_ request: PageRequest) async throws -> PageResult {
        guard let oidc else { throw PageError.notFound }
        let session = request.session
        // Whatever happens, this sign-in attempt is used up.
        try await site.sessions.setPending(session, state: nil, nonce: nil, verifier: nil)
        func failed(_ reason: String) -> PageResult {
            site.logger.notice("sign-in refused", metadata: ["reason": "\(reason)"])
            return .page("sign-in-failed", ["title": "Sorry, we could not sign you in"], status: .badRequest)
        }
        if request.query("error") != nil { return failed("the identity provider answered \(request.query("error")!)") }
        guard let state = request.query("state"), let expected = session.pendingState, Secrets.equal(state, expected),
            let nonce = session.pendingNonce, let verifier = session.pendingVerifier
        else { return failed("state does not match the sign-in started here") }
        guard let code = request.query("code") else { return failed("no code") }
        let tokens: (idToken: String, claims: IDTokenClaims)
        do { tokens = try await oidc.exchange(code: code, verifier: verifier, nonce: nonce) } catch {
            return failed("\(error)")
        }
        let subject = tokens.claims.sub.value
        // An invited user whose account is already linked to another person is not this person.
        let email = tokens.claims.email
        let user = try await site.users.database.read { db in try UserStore.signingIn(db, subject: subject, email: email) }
        guard let user, !user.memberships.isEmpty else {
            site.logger.notice("sign-in by someone with no access")
            return .page("no-access", ["title": "You do not have access to this service"], status: .forbidden)
        }
        return try await complete(request, user: user, subject: subject, idToken: tokens.idToken)
    }

    func signOut(_ request: PageRequest) async throws -> PageResult {
        let idToken = request.session.idToken
        let wasSignedIn = request.user != nil
        try await site.sessions.delete(request.session)
        var response: Response
        if wasSignedIn, let oidc,
            let end = await oidc.endSessionURL(idToken: idToken, returnTo: "\(site.configuration.common.publicBaseURL)/sign-out")
        {
            response = site.redirect(end)
        } else {
            let (id, record) = try await site.sessions.create()
            response = try site.html(
                site.render("signed-out", ["title": "You have signed out", "byChoice": true], record: record, user: nil),
                status: .ok
            )
            response.headers.append(HTTPField(name: .setCookie, value: site.sessionCookie(id)))
            return .response(response)
        }
        response.headers.append(HTTPField(name: .setCookie, value: "\(Site.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"))
        return .response(response)
    }

    // MARK: Organisations

    static func home(of membership: Membership) -> String {
        switch membership.kind {
        case .school: return "/schools/\(membership.organisationID)"
        case .provider: return "/providers/\(membership.organisationID)"
        case .support: return "/support/users"
        }
    }

    func organisations(_ request: PageRequest) async throws -> PageResult {
        let user = try request.signedIn
        if user.memberships.count == 1 { return .redirect(Self.home(of: user.memberships[0])) }
        var trusts: [String: String] = [:]
        if user.schoolURNs.count > 1 {
            let actor = Actors.school(user)
            for urn in user.schoolURNs {
                if let school = try? await site.client.school(urn, as: actor),
                    let trust = school.trust
                {
                    trusts[trust.uid] = trust.name
                }
            }
        }
        let entries = user.memberships.map {
            [
                "name": $0.organisationName, "href": Self.home(of: $0),
                "kind": $0.kind == .school ? "School" : $0.kind == .provider ? "Accredited provider" : "DfE support",
            ]
        }
        return .page(
            "organisations",
            [
                "title": "Choose an organisation", "organisations": entries,
                "trusts": trusts.sorted { $0.value < $1.value }.map { ["name": $0.value, "href": "/trusts/\($0.key)"] },
            ]
        )
    }

    /// The link in emails: to that claim's page for this person.
    func claimLink(_ request: PageRequest) async throws -> PageResult {
        let user = try request.signedIn
        guard let reference = request.parameter("reference").map({ ClaimReferenceText.normalise($0) }), !reference.isEmpty, reference.count <= 20
        else {
            throw PageError.notFound
        }
        if !user.schoolURNs.isEmpty {
            let claim = try await site.client.claim(queryValue(reference), as: Actors.school(user))
            return .redirect("/schools/\(claim.school.urn)/claims/\(claim.reference)")
        }
        if user.isSupport { return .redirect("/support/claims/\(queryValue(reference))") }
        if let code = user.providerCodes.first { return .redirect("/providers/\(code)") }
        throw PageError.notFound
    }

    // MARK: Assets

    func asset(_ context: ServiceRequestContext) throws -> Response {
        let allowed = ["app.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"]
        guard let name = context.parameters.get("file"), let type = allowed[name],
            let data = FileManager.default.contents(atPath: "\(SiteFiles.assets)/\(name)")
        else { throw HTTPError(.notFound) }
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "public, max-age=3600"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
