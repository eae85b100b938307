import ServiceSupport

/// The OpenAPI 3.1 document served at `/openapi.yaml`: web serves HTML pages for people, listed
/// here so that an operator's proxy and the route test know every path.
enum OpenAPIDocument {
    static let yaml = OpenAPI.document(
        title: "web",
        description: "The front door for people: GOV.UK-style pages, sign-in, users and memberships. Every page answers text/html.",
        paths: pages.map { path, methods in
            "  \(path):\n" + methods.map { "    \($0):\n      summary: HTML page\n      responses:\n        \"200\": {description: The page}\n" }.joined()
        }.joined())

    static let pages: [(String, [String])] = [
        ("/", ["get"]), ("/accessibility", ["get"]), ("/cookies", ["get"]), ("/privacy", ["get"]), ("/assets/{file}", ["get"]),
        ("/sign-in", ["get", "post"]), ("/auth/callback", ["get"]), ("/sign-out", ["get"]), ("/organisations", ["get"]),
        ("/claims/{reference}", ["get"]),
        ("/schools/{urn}", ["get"]), ("/schools/{urn}/grant-conditions", ["get", "post"]), ("/schools/{urn}/mentors", ["get", "post"]),
        ("/schools/{urn}/mentors/{trn}/remove", ["get", "post"]), ("/schools/{urn}/claims/new", ["get", "post"]),
        ("/schools/{urn}/claims/new/mentors", ["get", "post"]), ("/schools/{urn}/claims/new/hours/{trn}", ["get", "post"]),
        ("/schools/{urn}/claims/new/check", ["get", "post"]), ("/schools/{urn}/claims/new/confirmation/{reference}", ["get"]),
        ("/schools/{urn}/claims/new/edit/{reference}", ["get"]), ("/schools/{urn}/claims/{reference}", ["get"]),
        ("/schools/{urn}/claims/{reference}/remove", ["get", "post"]), ("/schools/{urn}/funding", ["get"]),
        ("/schools/{urn}/users", ["get"]), ("/schools/{urn}/users/new", ["get", "post"]), ("/schools/{urn}/users/{id}/remove", ["get", "post"]),
        ("/trusts/{uid}", ["get"]), ("/support/users", ["get", "post"]), ("/support/users/{id}", ["get"]),
        ("/support/users/{id}/memberships", ["post"]), ("/support/users/{id}/memberships/remove", ["post"]),
        ("/support/memberships/new", ["get", "post"]), ("/support/claims", ["get"]), ("/support/claims.csv", ["get"]),
    ]
}
