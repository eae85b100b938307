import Foundation

/// Each service's OpenAPI document is a resource file of its own (`HTTP/openapi.yaml`).
public enum OpenAPI {
    /// The document is missing from the service's resource bundle: the build or the image is
    /// incomplete.
    public struct Missing: Error, CustomStringConvertible {
        public var bundle: String
        public var description: String {
            "openapi.yaml is missing from \(bundle): copy the service's resource bundle (MentorClaims_<Service>.resources) beside its executable"
        }
    }

    /// The text of `openapi.yaml` in `bundle`.
    public static func document(in bundle: Bundle) throws -> String {
        guard let url = bundle.url(forResource: "openapi", withExtension: "yaml"), let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw Missing(bundle: bundle.bundlePath)
        }
        return text
    }
}
