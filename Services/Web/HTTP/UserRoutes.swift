import Foundation
import Hummingbird
import Messages
import ServiceSupport

/// Users and memberships: a school's users (added and removed by colleagues), and support's
/// `/support/users` (support users, and any user's memberships of schools and providers).
struct UserRoutes {
    let site: Site

    func add(to router: Router<ServiceRequestContext>) {
        site.on(router, .get, "/schools/:urn/users") { try await schoolUsers($0) }
        site.on(router, .get, "/schools/:urn/users/new") { try await newSchoolUser($0, errors: PageErrors()) }
        site.on(router, .post, "/schools/:urn/users/new") { try await addSchoolUser($0) }
        site.on(router, .get, "/schools/:urn/users/:id/remove") { try await confirmRemoveSchoolUser($0) }
        site.on(router, .post, "/schools/:urn/users/:id/remove") { try await removeSchoolUser($0) }
        site.on(router, .get, "/support/users") { try await supportUsers($0, errors: PageErrors()) }
        site.on(router, .post, "/support/users") { try await addSupportUser($0) }
        site.on(router, .get, "/support/users/:id") { try await supportUser($0, errors: PageErrors()) }
        site.on(router, .post, "/support/users/:id/memberships") { try await addMembership($0) }
        site.on(router, .post, "/support/users/:id/memberships/remove") { try await removeMembership($0) }
        site.on(router, .get, "/support/memberships/new") { try await newMembershipPage($0, errors: PageErrors()) }
        site.on(router, .post, "/support/memberships/new") { try await inviteToOrganisation($0) }
    }

    static func actor(_ user: User) -> MembershipActor { MembershipActor(id: user.id, email: user.email) }

    /// The checks and words every "add a person" form shares.
    struct Person {
        var email: String
        var firstName: String
        var lastName: String
    }

    static func person(_ form: Form, _ errors: inout PageErrors) -> Person? {
        let email = form["email"] ?? ""
        let first = form["first_name"] ?? ""
        let last = form["last_name"] ?? ""
        if first.isEmpty {
            errors.add("first_name", "Enter their first name")
        } else if first.count > 100 {
            errors.add("first_name", "First name must be 100 characters or fewer")
        }
        if last.isEmpty {
            errors.add("last_name", "Enter their last name")
        } else if last.count > 100 {
            errors.add("last_name", "Last name must be 100 characters or fewer")
        }
        if email.isEmpty {
            errors.add("email", "Enter their email address")
        } else if !EmailAddressShape.isPlausible(email) || email.count > 254 {
            errors.add("email", "Enter an email address in the correct format, like name@example.com")
        }
        guard errors.isEmpty else { return nil }
        return Person(email: email.lowercased(), firstName: first, lastName: last)
    }

    // MARK: A school's users

    func schoolUsers(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, _) = try SchoolRoutes.school(request)
        let school = try await site.client.school(urn, as: Actors.school(user))
        let members = try await site.users.database.read { try UserStore.members($0, kind: .school, organisationID: String(urn)) }
        var values = SchoolRoutes.frame(site, user, urn, school, current: "users")
        values["title"] = "Users - \(school.name)"
        values["users"] = members.map { member -> [String: Any] in
            ["name": member.name, "email": member.email, "isYou": member.id == user.id, "removeHref": "/schools/\(urn)/users/\(member.id)/remove"]
        }
        values["addHref"] = "/schools/\(urn)/users/new"
        return .page("school-users", values)
    }

    func newSchoolUser(_ request: PageRequest, errors: PageErrors) async throws -> PageResult {
        let (user, urn, _) = try SchoolRoutes.school(request)
        let school = try await site.client.school(urn, as: Actors.school(user))
        var values = SchoolRoutes.frame(site, user, urn, school, current: "users")
        values["title"] = (errors.isEmpty ? "" : "Error: ") + "Add a user - \(school.name)"
        values["action"] = "/schools/\(urn)/users/new"
        values["back"] = "/schools/\(urn)/users"
        values["entered"] = [
            "email": request.form["email"] ?? "", "first_name": request.form["first_name"] ?? "", "last_name": request.form["last_name"] ?? "",
        ]
        values.merge(errors.context) { $1 }
        return .page("user-new", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func addSchoolUser(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, membership) = try SchoolRoutes.school(request)
        var errors = PageErrors()
        guard let person = Self.person(request.form, &errors) else { return try await newSchoolUser(request, errors: errors) }
        let school = try await site.client.school(urn, as: Actors.school(user))
        let (_, added) = try await site.users.addMembership(
            email: person.email,
            firstName: person.firstName,
            lastName: person.lastName,
            membership: Membership(kind: .school, organisationID: membership.organisationID, organisationName: school.name),
            by: Self.actor(user)
        )
        try await site.sessions.setFlash(
            request.session,
            added ? "\(person.firstName) \(person.lastName) has been added and emailed" : "\(person.email) is already a user of \(school.name)",
            important: !added
        )
        return .redirect("/schools/\(urn)/users")
    }

    func confirmRemoveSchoolUser(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, _) = try SchoolRoutes.school(request)
        let members = try await site.users.database.read { try UserStore.members($0, kind: .school, organisationID: String(urn)) }
        guard let member = members.first(where: { $0.id == request.parameter("id") }), member.id != user.id else { throw PageError.notFound }
        let school = try await site.client.school(urn, as: Actors.school(user))
        var values = SchoolRoutes.frame(site, user, urn, school, current: "users")
        values["title"] = "Are you sure you want to remove \(member.name)? - \(school.name)"
        values["member"] = ["name": member.name, "email": member.email]
        values["organisationName"] = school.name
        values["action"] = "/schools/\(urn)/users/\(member.id)/remove"
        values["cancel"] = "/schools/\(urn)/users"
        values["confirmLabel"] = "Remove user"
        return .page("user-remove", values)
    }

    func removeSchoolUser(_ request: PageRequest) async throws -> PageResult {
        let (user, urn, membership) = try SchoolRoutes.school(request)
        guard let id = request.parameter("id"), id != user.id else { throw PageError.notFound }
        guard try await site.users.removeMembership(userID: id, membership: membership, by: Self.actor(user)) else { throw PageError.notFound }
        try await site.sessions.setFlash(request.session, "The user has been removed")
        return .redirect("/schools/\(urn)/users")
    }

    // MARK: Support

    func supportUsers(_ request: PageRequest, errors: PageErrors) async throws -> PageResult {
        let user = try request.supportUser
        let search = request.query("q").map { String($0.prefix(100)) }
        let (supportUsers, found) = try await site.users.database.read { db in
            (
                try UserStore.members(db, kind: .support, organisationID: Membership.supportID),
                try search.map { try UserStore.search(db, text: $0, limit: 50) }
            )
        }
        var values: [String: Any] = [
            "title": (errors.isEmpty ? "" : "Error: ") + "Users",
            "supportUsers": supportUsers.map { ["name": $0.name, "email": $0.email, "href": "/support/users/\($0.id)", "isYou": $0.id == user.id] },
            "search": search ?? "", "searched": search != nil,
            "found": (found ?? []).map { member -> [String: Any] in
                [
                    "name": member.name, "email": member.email, "href": "/support/users/\(member.id)",
                    "memberships": member.memberships.map(\.organisationName).joined(separator: ", "),
                ]
            },
            "domains": site.configuration.supportEmailDomains.joined(separator: " or "),
            "entered": [
                "email": request.form["email"] ?? "", "first_name": request.form["first_name"] ?? "", "last_name": request.form["last_name"] ?? "",
            ],
        ]
        values["noneFound"] = search != nil && (found ?? []).isEmpty
        values.merge(errors.context) { $1 }
        return .page("support-users", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }

    func addSupportUser(_ request: PageRequest) async throws -> PageResult {
        let user = try request.supportUser
        var errors = PageErrors()
        guard let person = Self.person(request.form, &errors) else { return try await supportUsers(request, errors: errors) }
        guard SupportDomains(site.configuration.supportEmailDomains).allows(person.email) else {
            errors.add("email", "A support user's email address must end in @\(site.configuration.supportEmailDomains.joined(separator: " or @"))")
            return try await supportUsers(request, errors: errors)
        }
        let (_, added) = try await site.users.addMembership(
            email: person.email,
            firstName: person.firstName,
            lastName: person.lastName,
            membership: .support,
            by: Self.actor(user)
        )
        try await site.sessions.setFlash(
            request.session,
            added ? "\(person.email) is now a support user" : "\(person.email) is already a support user"
        )
        return .redirect("/support/users")
    }

    func supportUser(_ request: PageRequest, errors: PageErrors) async throws -> PageResult {
        let user = try request.supportUser
        guard let id = request.parameter("id"), id.count <= 40, let member = try await site.users.database.read({ try UserStore.user($0, id: id) })
        else {
            throw PageError.notFound
        }
        var values: [String: Any] = [
            "title": (errors.isEmpty ? "" : "Error: ") + member.name,
            "member": ["name": member.name, "email": member.email, "id": member.id],
            "memberships": member.memberships.map { membership -> [String: Any] in
                [
                    "name": membership.organisationName, "kind": Self.kindWords(membership.kind),
                    "value": "\(membership.kind.rawValue):\(membership.organisationID)",
                    "removable": !(membership.kind == .support && member.id == user.id),
                ]
            },
            "action": "/support/users/\(member.id)/memberships", "removeAction": "/support/users/\(member.id)/memberships/remove",
            "entered": ["organisation": request.form["organisation"] ?? ""],
        ]
        values.merge(errors.context) { $1 }
        return .page("support-user", values, status: errors.isEmpty ? .ok : .unprocessableContent)
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
