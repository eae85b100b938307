import Foundation
import ServiceSupport

/// The service's OpenAPI 3.1 document, served at `/openapi.yaml`: the resource file
/// `HTTP/openapi.yaml` beside this one, the contract others build against. A test holds it to
/// exactly the routes the service serves.
enum OpenAPIDocument {
    /// The document's text, from the service's resource bundle.
    static func load() throws -> String { try OpenAPI.document(in: Bundle.module) }
}
